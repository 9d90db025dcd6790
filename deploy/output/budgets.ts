import type { ComponentName } from '../release/components.js';

/** The spec's success criteria, as time budgets the deploy command measures itself against. */
export const componentBudgets: Record<ComponentName, { seconds: number; criterion: string }> = {
  kafka: { seconds: 600, criterion: 'SC-001' },
  postgresql: { seconds: 600, criterion: 'SC-002' },
  dapr: { seconds: 300, criterion: 'SC-003' },
};

export const upBudget = { seconds: 1800, criterion: 'SC-004' };

export interface Timing {
  name: string;
  ms: number;
  budgetSeconds?: number;
  criterion?: string;
}

export function withinBudget(timing: Timing): boolean {
  return timing.budgetSeconds === undefined || timing.ms <= timing.budgetSeconds * 1000;
}
