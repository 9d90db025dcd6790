import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = `${repoRoot}dist/cli.js`;
export const kafkaServerScript = `${repoRoot}scripts/kafka-server.sh`;
