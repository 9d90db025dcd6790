import { describe, expect, it } from 'vitest';
import { copyPatch } from '../../../../hooks/kubernetes/credentials.js';

describe("copyPatch: what makes a services namespace's copy exact", () => {
  const source = { 'services-password': 'cw==', 'dapr-password': 'ZA==', 'postgres-password': 'cA==' };
  const keys = ['services-password', 'dapr-password'];

  it('sets what is missing or changed, and nothing when the copy is exact', () => {
    expect(copyPatch(source, {}, keys)).toEqual({ 'services-password': 'cw==', 'dapr-password': 'ZA==' });
    expect(copyPatch(source, { 'services-password': 'b2xk', 'dapr-password': 'ZA==' }, keys)).toEqual({ 'services-password': 'cw==' });
    expect(copyPatch(source, { 'services-password': 'cw==', 'dapr-password': 'ZA==' }, keys)).toBeUndefined();
  });

  it('removes keys the copy must not hold, the superuser password first of all', () => {
    expect(copyPatch(source, { 'services-password': 'cw==', 'dapr-password': 'ZA==', 'postgres-password': 'cA==' }, keys)).toEqual({
      'postgres-password': null,
    });
  });
});
