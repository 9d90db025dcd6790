import { describe, expect, it } from 'vitest';
import { formatDuration, outputMode, Progress } from '../../../../deploy/output/progress.js';

describe('progress', () => {
  it('prints one line per change in CI, JSON on request, and a live line on a terminal', () => {
    let clock = 0;
    const printed = (mode: 'plain' | 'json' | 'tty') => {
      clock = 0;
      let text = '';
      const progress = new Progress(
        mode,
        (chunk) => (text += chunk),
        () => clock,
      );
      progress.phase('install');
      clock = 65_000;
      progress.waiting('Kafka broker');
      progress.waiting('Kafka broker');
      progress.problem({ key: 'k', problem: 'image-pull', message: 'cannot pull', fix: 'set kafka.image', details: [] });
      progress.problem({ key: 'k', problem: 'image-pull', message: 'cannot pull', fix: 'set kafka.image', details: [] });
      progress.stop();
      return text;
    };
    expect(printed('plain')).toBe('==> install\n    [1m05s] waiting for Kafka broker\n    ! cannot pull\n      fix: set kafka.image\n');
    const events = printed('json')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event['event'])).toEqual(['phase', 'waiting', 'problem']);
    expect(printed('tty')).toContain('\r\x1b[K[install 1m05s] waiting for Kafka broker');
    expect(outputMode('auto', { isTTY: true }, { CI: 'true' })).toBe('plain');
    expect(outputMode('auto', { isTTY: true }, {})).toBe('tty');
    expect(formatDuration(59_400)).toBe('59s');
  });
});
