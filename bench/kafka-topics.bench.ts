// Benchmark: our topic reconcile beside the Kafka command-line tool creating the same topics one
// invocation per topic, as the Bitnami chart's provisioning Job does (kafka-topics.sh --create
// --if-not-exists, parallel: 1). Same broker, same run, each mode of the chart.
//
//   npm run bench        (after scripts/install-tools.sh and `source scripts/env.sh`)
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopicSpec } from '../hooks/kafka/catalogue.js';
import { chartCatalogue, uniquePrefix, writeCatalogue } from '../test/support/catalogue.js';
import { runCli } from '../test/support/cli.js';
import { KafkaServer, kafkaModes } from '../test/support/kafka-server.js';
import { runOk } from '../test/support/process.js';
import { median, printComparison, timed } from './measure.js';

const repetitions = 3;

async function ourReconcile(brokers: string, topics: readonly TopicSpec[]): Promise<void> {
  const result = await runCli(['kafka-topics', '--kafka-brokers', brokers, '--topics-file', await writeCatalogue(topics)]);
  if (result.code !== 0) throw new Error(`kafka-topics failed:\n${result.stdout}`);
}

/** What kafka-topics.sh runs: one JVM per topic, with its tools logging configuration. */
async function kafkaTopicsTool(brokers: string, topics: readonly TopicSpec[], log4j: string): Promise<void> {
  const libs = process.env['LEARNFLOW_KAFKA_LIBS'];
  if (!libs) throw new Error('LEARNFLOW_KAFKA_LIBS is not set: source scripts/env.sh');
  for (const topic of topics) {
    await runOk('java', [
      '-Xmx256M',
      '-XX:+UseG1GC',
      `-Dlog4j.configuration=file:${log4j}`,
      '-cp',
      `${libs}/*`,
      'org.apache.kafka.tools.TopicCommand',
      '--bootstrap-server',
      brokers,
      '--create',
      '--if-not-exists',
      '--topic',
      topic.name,
      '--partitions',
      String(topic.partitions),
      '--replication-factor',
      String(topic.replicationFactor),
      ...Object.entries(topic.config).flatMap(([key, value]) => ['--config', `${key}=${value}`]),
    ]);
  }
}

const log4j = join(await mkdtemp(join(tmpdir(), 'learnflow-bench-')), 'tools-log4j.properties');
await writeFile(
  log4j,
  [
    'log4j.rootLogger=WARN, stderr',
    'log4j.appender.stderr=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stderr.Target=System.err',
    '',
  ].join('\n'),
);

for (const mode of kafkaModes) {
  const server = await KafkaServer.start('bench', mode);
  try {
    const results = { ours: { fresh: [] as number[], again: [] as number[] }, tool: { fresh: [] as number[], again: [] as number[] } };
    for (let run = 0; run < repetitions; run++) {
      const ours = await chartCatalogue(uniquePrefix());
      const tool = await chartCatalogue(uniquePrefix());
      results.ours.fresh.push(await timed(() => ourReconcile(server.bootstrap, ours)));
      results.ours.again.push(await timed(() => ourReconcile(server.bootstrap, ours)));
      results.tool.fresh.push(await timed(() => kafkaTopicsTool(server.bootstrap, tool, log4j)));
      results.tool.again.push(await timed(() => kafkaTopicsTool(server.bootstrap, tool, log4j)));
    }
    printComparison(
      `Kafka 3.9.0, ${mode} mode: the 9 catalogue topics, wall time, median of ${repetitions} runs`,
      ['fresh', 'no change'],
      [
        { label: 'learnflow-hooks kafka-topics (one process)', values: [median(results.ours.fresh), median(results.ours.again)] },
        { label: 'kafka-topics.sh --create --if-not-exists, per topic', values: [median(results.tool.fresh), median(results.tool.again)] },
      ],
      'kafka-topics.sh time / ours',
    );
  } finally {
    await server.delete();
  }
}
