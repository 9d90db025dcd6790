import type { Diagnosis } from '../release/diagnosis.js';

/** tty: a live status line; plain: one line per change (CI logs); json: one JSON object per line. */
export type OutputMode = 'tty' | 'plain' | 'json';

export function outputMode(requested: 'auto' | 'plain' | 'json', stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): OutputMode {
  if (requested !== 'auto') return requested;
  return stream.isTTY && !env['CI'] && env['TERM'] !== 'dumb' ? 'tty' : 'plain';
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * Reports what the command is doing as it goes: the phase, the time spent in it, and what it
 * waits for. Nothing secret passes through here: only names, counts and the cluster's messages.
 */
export class Progress {
  private phaseName = '';
  private phaseStarted = Date.now();
  private waitingFor = '';
  private ticker: NodeJS.Timeout | undefined;
  private readonly reported = new Set<string>();

  constructor(
    readonly mode: OutputMode,
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
    private readonly now: () => number = Date.now,
  ) {}

  private line(text: string): void {
    if (this.mode === 'tty') this.write('\r\x1b[K');
    this.write(`${text}\n`);
    if (this.mode === 'tty') this.redraw();
  }

  private event(fields: Record<string, unknown>): void {
    this.write(`${JSON.stringify({ time: new Date(this.now()).toISOString(), ...fields })}\n`);
  }

  private redraw(): void {
    if (!this.phaseName) return;
    const waiting = this.waitingFor ? ` waiting for ${this.waitingFor}` : '';
    this.write(`\r\x1b[K[${this.phaseName} ${formatDuration(this.now() - this.phaseStarted)}]${waiting}`);
  }

  phase(name: string): void {
    this.phaseName = name;
    this.phaseStarted = this.now();
    this.waitingFor = '';
    if (this.mode === 'json') this.event({ event: 'phase', phase: name });
    else this.line(`==> ${name}`);
    if (this.mode === 'tty' && !this.ticker) this.ticker = setInterval(() => this.redraw(), 1000).unref();
  }

  /** What the current phase waits for; printed only when it changes, except on a terminal. */
  waiting(what: string): void {
    if (what === this.waitingFor) return;
    this.waitingFor = what;
    if (this.mode === 'json') this.event({ event: 'waiting', phase: this.phaseName, for: what });
    else if (this.mode === 'plain') this.line(`    [${formatDuration(this.now() - this.phaseStarted)}] waiting for ${what}`);
    else this.redraw();
  }

  info(message: string, fields: Record<string, unknown> = {}): void {
    if (this.mode === 'json') this.event({ event: 'info', phase: this.phaseName, message, ...fields });
    else this.line(`    ${message}`);
  }

  /** A problem seen while waiting; each one is reported once. */
  problem(diagnosis: Diagnosis): void {
    if (this.reported.has(diagnosis.key)) return;
    this.reported.add(diagnosis.key);
    if (this.mode === 'json') this.event({ event: 'problem', phase: this.phaseName, ...diagnosis });
    else
      this.line(
        `    ! ${diagnosis.message}\n      fix: ${diagnosis.fix}${diagnosis.details.map((detail) => `\n      | ${detail}`).join('')}`,
      );
  }

  /** Ends the live line; the command prints its result after this. */
  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.mode === 'tty') this.write('\r\x1b[K');
    this.phaseName = '';
  }
}
