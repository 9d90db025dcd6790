import { ActionableError } from '../../common/errors.js';
import type { FailureClass } from '../lib/retry.js';

/**
 * Kubernetes API failures: an unreachable or overloaded API server is waited out; refusals
 * (401, 403, 422) need a person and say what to check.
 */
export function classifyKubernetesFailure(error: unknown): FailureClass {
  if (error instanceof ActionableError) return { retriable: false, reason: error.message, hint: error.fix };
  const { name, message, status } = error as { name?: string; message?: string; status?: number };
  if (name === 'ApiUnreachable') {
    return {
      retriable: true,
      reason: message ?? String(error),
      hint: 'the API server is unreachable from the Pod: check the cluster network',
    };
  }
  if (name === 'ApiRefused' && status !== undefined) {
    if (status === 429 || status >= 500)
      return { retriable: true, reason: message ?? '', hint: 'the API server is overloaded or restarting' };
    if (status === 401 || status === 403) {
      return {
        retriable: false,
        reason: message ?? '',
        hint:
          "the hook's ServiceAccount lacks a permission: check the chart's Role and RoleBinding of this hook, which " +
          'exist while the hook runs (kubectl describe role,rolebinding -l app.kubernetes.io/part-of=learnflow)',
      };
    }
  }
  return {
    retriable: false,
    reason: `${name ?? 'Error'}: ${message ?? String(error)}`,
    hint: 'this is unexpected: the log lines above show what the program was doing',
  };
}
