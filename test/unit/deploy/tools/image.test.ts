import { describe, expect, it } from 'vitest';
import { imageValues, localClusterOf } from '../../../../deploy/tools/image.js';

describe('the hooks image', () => {
  it('is loaded into kind, k3d and minikube clusters, known by their context names', () => {
    expect(localClusterOf('kind-learnflow')).toEqual({ tool: 'kind', name: 'learnflow' });
    expect(localClusterOf('k3d-dev')).toEqual({ tool: 'k3d', name: 'dev' });
    expect(localClusterOf('minikube')).toEqual({ tool: 'minikube', name: 'minikube' });
    expect(localClusterOf('arn:aws:eks:eu-west-1:1:cluster/prod')).toBeUndefined();
  });

  it("turns an image reference into the chart's values", () => {
    expect(imageValues('registry.example.com:5000/team/hooks:1.2.3')).toEqual([
      '--set-string',
      'hooks.image.registry=registry.example.com:5000',
      '--set-string',
      'hooks.image.repository=team/hooks',
      '--set-string',
      'hooks.image.tag=1.2.3',
    ]);
    expect(imageValues(`learnflow/hooks@sha256:${'a'.repeat(64)}`)).toContain(`hooks.image.digest=sha256:${'a'.repeat(64)}`);
    expect(imageValues('learnflow/hooks:1')).toContain('hooks.image.registry=docker.io');
    expect(() => imageValues('learnflow/hooks')).toThrow('not an image reference with a tag or digest');
  });
});
