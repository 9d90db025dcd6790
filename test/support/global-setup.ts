import { access } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import './provided-context.js';
import { cliPath } from './paths.js';
import { KafkaServer, kafkaModes, type KafkaMode } from './kafka-server.js';


/**
 * Starts one real broker per Kafka mode for the whole suite. There is no fallback: without
 * Kafka's jars (scripts/install-tools.sh) the suite fails here, saying so.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await access(cliPath).catch(() => {
    throw new Error(`${cliPath} is missing: run npm run build (npm test does)`);
  });
  const servers = await Promise.all(kafkaModes.map((mode) => KafkaServer.start('suite', mode)));
  project.provide('kafkaBrokers', Object.fromEntries(servers.map((server) => [server.mode, server.bootstrap])) as Record<KafkaMode, string>);
  return async () => {
    await Promise.all(servers.map((server) => server.delete()));
  };
}
