import { describe, expect, it } from 'vitest';
import { partOf } from '../../../../deploy/release/components.js';
import { ownLabels } from '../../../support/deploy-objects.js';

describe('components', () => {
  it('knows each part by the labels its chart puts on it, and the values that size it', () => {
    const labelled = (labels: Record<string, string>) => partOf({ metadata: { name: 'x', labels } });
    expect(labelled({ 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/component': 'broker' })?.resourcesValue).toBe(
      'kafka.broker.resources',
    );
    expect(labelled({ 'app.kubernetes.io/name': 'zookeeper' })?.components).toEqual(['kafka']);
    expect(labelled({ 'app.kubernetes.io/part-of': 'dapr', 'app.kubernetes.io/component': 'sidecar-injector' })?.resourcesValue).toBe(
      'dapr.dapr_sidecar_injector.resources',
    );
    expect(labelled(ownLabels('reconcile'))).toMatchObject({
      components: ['kafka', 'postgresql'],
      imageValue: 'hooks.image (registry, repository, tag)',
    });
    expect(labelled({ app: 'something-else' })).toBeUndefined();
  });
});
