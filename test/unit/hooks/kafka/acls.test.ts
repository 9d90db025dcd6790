import { describe, expect, it } from 'vitest';
import { describeRight, planRights, servicesRights } from '../../../../hooks/kafka/acls.js';

describe('the services user’s rights', () => {
  it('are produce and consume on each catalogue topic and the checks’ temporary topics, and joining its groups: nothing else', () => {
    const rights = servicesRights(['learning.query'], ['learnflow.*', 'reports']).map(describeRight);
    expect(rights).toEqual([
      'read on topic learning.query',
      'write on topic learning.query',
      'describe on topic learning.query',
      'read on topic learnflow.check.*',
      'write on topic learnflow.check.*',
      'describe on topic learnflow.check.*',
      'read on group learnflow.*',
      'read on group reports',
    ]);
  });

  it('are planned as what to add and what to remove, and nothing when they are held', () => {
    const wanted = servicesRights(['a'], []);
    const held = servicesRights(['b'], []);
    const plan = planRights(wanted, held);
    expect(plan.create.map(describeRight)).toEqual(['read on topic a', 'write on topic a', 'describe on topic a']);
    expect(plan.remove.map(describeRight)).toEqual(['read on topic b', 'write on topic b', 'describe on topic b']);
    expect(planRights(wanted, wanted)).toEqual({ create: [], remove: [] });
  });
});
