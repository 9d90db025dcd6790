import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../../../deploy/cluster/quantity.js';

describe('quantities', () => {
  it('reads CPU and memory as Kubernetes writes them', () => {
    expect([
      parseQuantity('250m'),
      parseQuantity('1.5'),
      parseQuantity(2),
      parseQuantity('768Mi'),
      parseQuantity('1G'),
      parseQuantity('1e3'),
    ]).toEqual([0.25, 1.5, 2, 768 * 2 ** 20, 1e9, 1000]);
    expect(() => parseQuantity('lots')).toThrow('"lots" is not a Kubernetes quantity');
  });
});
