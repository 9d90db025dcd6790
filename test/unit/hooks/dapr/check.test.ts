import { describe, expect, it } from 'vitest';
import { runIdOf } from '../../../../hooks/dapr/check.js';

describe('runIdOf', () => {
  it('finds the run id in a CloudEvent, and ignores anything else', () => {
    expect(runIdOf(JSON.stringify({ specversion: '1.0', data: { runId: 'abc' } }))).toBe('abc');
    expect(runIdOf(JSON.stringify({ data: { runId: 7 } }))).toBeUndefined();
    expect(runIdOf('not json')).toBeUndefined();
    expect(runIdOf('')).toBeUndefined();
  });
});
