import { access } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import './provided-context.js';
import { ControlPlane, installDaprCrds } from './controlplane.js';
import { KafkaServer, kafkaModes, type KafkaMode } from './kafka-server.js';
import { cliPath } from './paths.js';
import { PostgresqlServer } from './postgresql-server.js';

/**
 * Starts, for the whole suite, one real Kafka per mode, one real PostgreSQL and one real
 * Kubernetes control plane with Dapr's CRDs (as the dapr chart's crds/ installs them).
 * There is no fallback: without the tools (scripts/install-tools.sh) the suite fails here,
 * saying so.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await access(cliPath).catch(() => {
    throw new Error(`${cliPath} is missing: run npm run build (npm test does)`);
  });
  const controlPlaneStart = ControlPlane.start('suite');
  const postgresqlStart = PostgresqlServer.start('suite');
  const brokerStarts = kafkaModes.map((mode) => KafkaServer.start('suite', mode));
  const settled = await Promise.allSettled([controlPlaneStart, postgresqlStart, ...brokerStarts]);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) {
    // What did start is stopped again, so that a failed start leaves no server behind.
    await Promise.all(settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value.delete()] : [])));
    throw failed.reason;
  }
  const [controlPlane, postgres, brokers] = await Promise.all([controlPlaneStart, postgresqlStart, Promise.all(brokerStarts)]);
  const stopAll = async () => {
    await Promise.all([controlPlane, postgres, ...brokers].map((server) => server.delete()));
  };
  try {
    project.provide(
      'kafkaBrokers',
      Object.fromEntries(brokers.map((server) => [server.mode, server.bootstrap])) as Record<KafkaMode, string>,
    );
    project.provide('kubeconfig', controlPlane.kubeconfig);
    await installDaprCrds(controlPlane.kubeconfig);
    project.provide('postgresql', await postgres.address());
  } catch (error) {
    // Vitest runs no teardown for a setup that throws.
    await stopAll();
    throw error;
  }
  return stopAll;
}
