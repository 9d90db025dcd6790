import { spawn } from 'node:child_process';
import { ActionableError } from '../../common/errors.js';

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Aborting sends SIGTERM, which Helm turns into a clean cancellation. */
  signal?: AbortSignal;
}

/** Runs a tool to completion; a non-zero exit is a result, not an exception. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.signal ? { signal: options.signal, killSignal: 'SIGTERM' as const } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(missingTool(command));
      // An abort is reported by 'close' with the signal; only real spawn errors reject.
      else if (error.name !== 'AbortError') reject(error);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A tool that exits without reading its input closes the pipe: not an error of ours.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

function missingTool(command: string): ActionableError {
  return new ActionableError(
    `${command} is not installed (not found on PATH)`,
    `install ${command} and make sure it is on PATH: see docs/deployment.md#prerequisites`,
  );
}

/** The last lines of a tool's error output, which is where Helm and kubectl say what failed; Helm's info logs left out. */
export function lastLines(text: string, count = 15): string[] {
  return text
    .trim()
    .split('\n')
    .filter((line) => line && !line.startsWith('level=INFO'))
    .slice(-count);
}

/** What Helm said failed: its "Error: ..." line, else its last line. */
export function helmError(stderr: string): string {
  const lines = lastLines(stderr, 50);
  return (lines.findLast((line) => line.startsWith('Error: ')) ?? lines.at(-1) ?? '').replace(/^Error: /, '');
}
