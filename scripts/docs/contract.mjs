// @ts-check
// The data contract LearnFlow's services rely on (docs/contract.md), generated from what the
// chart applies: values.yaml (topics, Dapr components, names), migrations/ (tables) and seeds/.
//   node scripts/docs/contract.mjs > docs/contract.md     (npm run docs:contract)
// test/docs/contract.test.ts fails when docs/contract.md is not what this prints.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * @typedef {{ name: string, columns: { name: string, definition: string }[], constraints: string[], uniqueIndexes: string[] }} Table
 */

/**
 * The tables the migrations create, in order, with each column's definition and the table's own
 * constraints and unique indexes. Only CREATE TABLE and CREATE UNIQUE INDEX are read: a later
 * migration that alters a table must extend this.
 * @param {readonly string[]} migrations the migration files' text, in the order they apply
 * @returns {Table[]}
 */
export function createdTables(migrations) {
  /** @type {Table[]} */
  const tables = [];
  for (const text of migrations) {
    const up = text.split(/^-- Down Migration$/m)[0] ?? '';
    for (const match of up.matchAll(/^CREATE TABLE (\w+) \(\n([\s\S]*?)\n\);$/gm)) {
      const body = /** @type {string} */ (match[2]);
      const lines = body
        .split('\n')
        .map((line) => line.trim().replace(/,$/, ''))
        .filter((line) => line !== '' && !line.startsWith('--'));
      const isConstraint = (/** @type {string} */ line) => /^(PRIMARY KEY|UNIQUE|CHECK|FOREIGN KEY|CONSTRAINT|EXCLUDE)\b/.test(line);
      tables.push({
        name: /** @type {string} */ (match[1]),
        columns: lines.filter((line) => !isConstraint(line)).map((line) => ({ name: line.split(' ')[0] ?? '', definition: line })),
        constraints: lines.filter(isConstraint),
        uniqueIndexes: [],
      });
    }
    for (const [, index, table, columns] of up.matchAll(/^CREATE UNIQUE INDEX (\w+) ON (\w+) \((.*)\);$/gm)) {
      tables.find((created) => created.name === table)?.uniqueIndexes.push(`${index} (${columns})`);
    }
    // Columns later migrations add.
    for (const [, table, column, definition] of up.matchAll(/^ALTER TABLE (\w+) ADD COLUMN (\w+) (.*);$/gm)) {
      tables.find((created) => created.name === table)?.columns.push({ name: column ?? '', definition: `${column} ${definition}` });
    }
  }
  return tables;
}

/** @param {unknown} value */
const code = (value) => `\`${String(value).replaceAll('|', '\\|')}\``;

/**
 * @param {{ values: string, migrations: readonly string[], topicSeeds: string, userSeeds: string, bcryptCost: number }} sources
 */
export function contract({ values, migrations, topicSeeds, userSeeds, bcryptCost }) {
  const v = /** @type {any} */ (parse(values));
  const { clusterDomain: domain, kafka, postgresql } = v;
  const { pubsub, statestore } = v.daprComponents;
  const row = (/** @type {string} */ what, /** @type {string} */ where) => `| ${what} | ${where} |`;
  /** @type {string[]} */
  const out = [
    '# The data contract',
    '',
    "What LearnFlow's services may rely on: the names and shapes this chart creates and keeps. It is",
    'generated from values.yaml, migrations/ and seeds/ by `npm run docs:contract`; a test fails when',
    'this page is out of date. The defaults are shown; values can change names, and a change here is a',
    'change for every service.',
    '',
    '## Connections',
    '',
    "For a release `R` in namespace `N` (the chart's own Kafka and PostgreSQL; with existing services,",
    'the addresses in `kafkaTopics.bootstrapServers` and `postgresqlSchema.host`):',
    '',
    '| What | Where |',
    '|---|---|',
    row(
      'Kafka bootstrap',
      `${code(`R-kafka.N.svc.${domain}:${kafka.service.ports.client}`)}, protocol ${code(kafka.listeners.client.protocol)}`,
    ),
    row(
      'PostgreSQL',
      `${code(`R-postgresql.N.svc.${domain}:${postgresql.primary.service.ports.postgresql}`)}, ` +
        `database ${code(postgresql.auth.database)}, user ${code(v.postgresqlSchema.servicesUsername)} ` +
        "(rows of the platform's tables: SELECT, INSERT, UPDATE, DELETE; no DDL)",
    ),
    row('PostgreSQL password', `Secret ${code('R-credentials')}, key \`services-password\``),
    row(
      'For `envFrom`',
      `ConfigMap ${code('R-connection')}: \`PGHOST\`, \`PGPORT\`, \`PGDATABASE\`, \`PGUSER\` (the services' user), ` +
        '`KAFKA_BOOTSTRAP_SERVERS`, `DAPR_PUBSUB_NAME`, `DAPR_STATESTORE_NAME` ([services.md](services.md#the-database-connection))',
    ),
    row(
      'Schema owner',
      `user ${code(postgresql.auth.username)} (password: key ${code(postgresql.auth.secretKeys.userPasswordKey)}): ` +
        'runs the migrations and seeds; services never connect as it',
    ),
    row(
      'Dapr pub/sub',
      `component ${code(pubsub.name)} (\`pubsub.kafka\`); each app id consumes as the consumer group ` +
        `${code(`${pubsub.consumerGroupPrefix || 'N.'}<app id>`)}, starting at the ${code(pubsub.initialOffset)} message the first time`,
    ),
    row(
      'Dapr state store',
      `component ${code(statestore.name)} (\`state.postgresql\`), as role ${code(statestore.username)} ` +
        `(password: Secret \`R-credentials\`, key \`dapr-password\`), tables ${code(`${statestore.schema}.${statestore.tableName}`)} ` +
        `and ${code(`${statestore.schema}.${statestore.metadataTableName}`)}, in a schema it owns`,
    ),
    '',
    '## Kafka topics',
    '',
    `Created and kept by the reconcile hook; replication factor ${v.kafkaTopics.replicationFactor} unless a topic sets its own, ` +
      'and `min.insync.replicas` max(1, min(2, replication factor - 1)) unless its configs set one.',
    '',
    '| Topic | Partitions | Replication factor | Configs |',
    '|---|---|---|---|',
  ];
  for (const [name, topic] of Object.entries(/** @type {Record<string, any>} */ (v.kafkaTopics.topics))) {
    const configs = Object.entries(topic.config ?? {}).map(([key, value]) => `${key}=${value}`);
    const replicationFactor = topic.replicationFactor ?? v.kafkaTopics.replicationFactor;
    out.push(`| ${code(name)} | ${topic.partitions} | ${replicationFactor} | ${configs.map(code).join(', ')} |`);
  }
  const tables = createdTables(migrations);
  out.push('', '## PostgreSQL tables', '', `${tables.length} tables, as migrations/ create them.`);
  for (const table of tables) {
    out.push('', `### ${table.name}`, '', '| Column | Definition |', '|---|---|');
    for (const column of table.columns) out.push(`| ${code(column.name)} | ${code(column.definition.slice(column.name.length + 1))} |`);
    if (table.constraints.length > 0) out.push('', `Table constraints: ${table.constraints.map(code).join('; ')}.`);
    if (table.uniqueIndexes.length > 0) out.push('', `Unique indexes: ${table.uniqueIndexes.map(code).join('; ')}.`);
  }
  const topics = /** @type {{ topics: any[] }} */ (JSON.parse(topicSeeds)).topics;
  out.push(
    '',
    '## Seed data',
    '',
    `${topics.length} curriculum topics (table \`topics\`), kept by the reconcile hook. Each keeps its \`seed_id\` ` +
      'whatever it is renamed to: find a seeded topic by it, not by its name.',
    '',
  );
  out.push('| Module | Topic | `seed_id` | Difficulty | Prerequisites |', '|---|---|---|---|---|');
  for (const topic of topics) {
    out.push(
      `| ${topic.moduleNumber}. ${topic.moduleName} | ${topic.topicName} | ${code(topic.id)} | ${topic.difficultyLevel} | ` +
        `${topic.prerequisites.join(', ')} |`,
    );
  }
  const users = /** @type {{ users: any[] }} */ (JSON.parse(userSeeds)).users;
  out.push('', 'Test users (table `users`, with their `students` or `teachers` row), when `postgresqlSchema.testUsers.enabled`; their');
  out.push(`\`password_hash\` is bcrypt (\`$2b$\`, cost ${bcryptCost}):`, '');
  out.push('| Email | Role | Password |', '|---|---|---|');
  for (const user of users) out.push(`| ${code(user.email)} | ${user.role} | Secret \`R-credentials\`, key ${code(user.passwordKey)} |`);
  return `${out.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = new URL('../..', import.meta.url);
  const read = (/** @type {string} */ path) => readFileSync(new URL(path, root), 'utf8');
  const migrations = readdirSync(new URL('migrations/', root))
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => read(`migrations/${file}`));
  // The cost is the seeding code's constant (hooks/postgresql/seed.ts), read from its source.
  const bcryptCost = Number(/export const bcryptCost = (\d+);/.exec(read('hooks/postgresql/seed.ts'))?.[1]);
  process.stdout.write(
    contract({
      values: read('values.yaml'),
      migrations,
      topicSeeds: read('seeds/topics.json'),
      userSeeds: read('seeds/test-users.json'),
      bcryptCost,
    }),
  );
}
