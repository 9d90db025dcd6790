import { describe, expect, it } from 'vitest';
import { failedJob, imagePull, podsRefused, unschedulable } from '../../../../deploy/release/diagnosis.js';
import type { Event, Job, Workload } from '../../../../deploy/cluster/objects.js';
import { ownLabels, pod } from '../../../support/deploy-objects.js';

describe('diagnoses', () => {
  it('names the values that shrink an unschedulable Pod, or the volume that holds it back', () => {
    const pending = (message: string) =>
      pod('p', { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] } });
    expect(unschedulable(pending('0/3 nodes are available: 3 Insufficient memory.'))).toMatchObject({
      message: 'topics, migrations and seeds hook (Pod p) cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory.',
      fix: expect.stringContaining('hooks.resources'),
    });
    expect(unschedulable(pending('0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.'))?.fix).toContain(
      'StorageClass',
    );
    expect(unschedulable(pod('scheduled'))).toBeUndefined();
  });

  it("takes the registry's error from the kubelet's event when the Pod only says back-off", () => {
    const backOff = pod('p', {
      status: {
        containerStatuses: [
          {
            name: 'c',
            image: 'r.example/hooks:1',
            ready: false,
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "r.example/hooks:1"' } },
          },
        ],
      },
    });
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e' },
      involvedObject: { kind: 'Pod', name: 'p' },
      type: 'Warning',
      reason: 'Failed',
      message: 'Failed to pull image "r.example/hooks:1": not found',
    };
    expect(imagePull(backOff, [event])?.message).toBe(
      'topics, migrations and seeds hook (Pod p) cannot pull image r.example/hooks:1: Failed to pull image "r.example/hooks:1": not found',
    );
    expect(imagePull(backOff, [])?.message).toContain('Back-off pulling image');
  });

  it('names the pull Secrets and the registry they must match when the registry refuses the credentials, or says there are none', () => {
    const refused = (imagePullSecrets?: { name: string }[]) =>
      pod('p', {
        spec: { containers: [], ...(imagePullSecrets && { imagePullSecrets }) },
        status: {
          containerStatuses: [
            {
              name: 'c',
              image: '127.0.0.1:5000/learnflow/learnflow-hooks:1',
              ready: false,
              state: {
                waiting: {
                  reason: 'ErrImagePull',
                  message:
                    'failed to pull and unpack image "127.0.0.1:5000/learnflow/learnflow-hooks:1": failed to resolve reference: ' +
                    'pulling from host 127.0.0.1:5000 failed with status code [manifests 1]: 401 Unauthorized',
                },
              },
            },
          ],
        },
      });
    expect(imagePull(refused([{ name: 'hooks-pull' }]), [])?.fix).toBe(
      'the registry 127.0.0.1:5000 refused the credentials of Secret(s) hooks-pull (hooks.imagePullSecrets and ' +
        'global.imagePullSecrets): check in namespace ns that each exists, that its server is exactly 127.0.0.1:5000, ' +
        'and that its user and password log in (kubectl get secret hooks-pull --namespace ns ' +
        "-o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d)",
    );
    expect(imagePull(refused(), [])?.fix).toContain(
      'the registry 127.0.0.1:5000 wants credentials and the Pod has no image pull Secret: create one ' +
        '(kubectl create secret docker-registry NAME --docker-server=127.0.0.1:5000',
    );
  });

  it("names the Pod Security Standard or quota that refuses a controller's Pods, and the values to change", () => {
    const replicaSet: Workload = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'dapr-operator-1', labels: { 'app.kubernetes.io/part-of': 'dapr', 'app.kubernetes.io/component': 'operator' } },
      spec: { template: { spec: { containers: [] } } },
    };
    const refusal = (message: string): Event => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e' },
      involvedObject: { kind: 'ReplicaSet', name: 'dapr-operator-1' },
      type: 'Warning',
      reason: 'FailedCreate',
      message,
    });
    const forbidden =
      'Error creating: pods "dapr-operator-1-x" is forbidden: violates PodSecurity "restricted:latest": ' +
      'seccompProfile (pod or container "dapr-operator" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';
    expect(podsRefused(replicaSet, [refusal(forbidden)])).toMatchObject({
      message: `Dapr operator (ReplicaSet dapr-operator-1) cannot create its Pods: ${forbidden}`,
      fix: expect.stringContaining(
        'Pod Security Standard "restricted:latest", which these Pods do not meet: set the ' +
          'security context values of their chart (dapr.global.seccompProfile)',
      ),
    });
    expect(podsRefused(replicaSet, [refusal('Error creating: pods "x" is forbidden: exceeded quota: compute')])?.fix).toContain(
      'dapr.dapr_operator.resources',
    );
    expect(podsRefused(replicaSet, [])).toBeUndefined();
  });

  it("gives a failed Job's exit codes and log lines once each", () => {
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', namespace: 'ns', labels: ownLabels('reconcile') },
      status: {
        failed: 1,
        conditions: [
          { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
        ],
      },
    };
    const exited = pod('j-1', {
      status: {
        containerStatuses: [{ name: 'c', image: 'i', ready: false, state: { terminated: { exitCode: 1, message: 'wrong password\n' } } }],
      },
    });
    expect(failedJob(job, [exited], ['wrong password'])).toMatchObject({
      message: 'topics, migrations and seeds hook (Job j) failed: BackoffLimitExceeded: Job has reached the specified backoff limit',
      details: ['exit code 1: wrong password', 'wrong password'],
    });
  });
});
