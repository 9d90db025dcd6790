import { describe, expect, it } from 'vitest';
import { unreachable } from '../../../../deploy/tools/kubectl.js';

describe('kubectl output', () => {
  it('tells an unreachable cluster from other kubectl errors', () => {
    expect(unreachable('The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?')?.message).toBe(
      'cluster unreachable: the Kubernetes API server cannot be reached',
    );
    expect(unreachable('error: You must be logged in to the server (Unauthorized)')?.message).toBe(
      "cluster unreachable: the cluster rejected the kubeconfig's credentials",
    );
    expect(unreachable('Error from server (NotFound): pods "x" not found')).toBeUndefined();
  });
});
