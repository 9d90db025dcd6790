// Benchmark: our topic reconcile beside the Kafka command-line tools, on the same broker in the
// same run, each mode of the chart. Ours runs as the reconcile Job does: three-way, recording the
// keys it set in its ConfigMap through a real API server as the chart's ServiceAccount (and,
// beside it, two-way without the record). The tools: kafka-topics.sh --create --if-not-exists per
// topic, as the Bitnami chart's provisioning Job does (parallel: 1), then kafka-configs.sh --alter
// per topic, which it takes the tools to make existing topics' configs what the catalogue says
// (they cannot reset a key dropped from it: they keep no record of what they set).
//
//   npm run bench        (after scripts/install-tools.sh and `source scripts/env.sh`)
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopicSpec } from '../hooks/kafka/catalogue.js';
import { chartCatalogue, uniquePrefix, writeCatalogue } from '../test/support/catalogue.js';
import { runCli } from '../test/support/cli.js';
import { catalogueTopics } from '../test/support/contract.js';
import { Cluster, ControlPlane } from '../test/support/controlplane.js';
import { hookAccount } from '../test/support/hook-account.js';
import { KafkaServer, kafkaModes } from '../test/support/kafka-server.js';
import { runOk } from '../test/support/process.js';
import { median, printComparison, timed } from './measure.js';

const repetitions = 3;

/** The topic hook; `state`: the flags of its record (the ConfigMap and the account that reaches it), or none for two-way. */
async function ourReconcile(brokers: string, topics: readonly TopicSpec[], state: readonly string[]): Promise<void> {
  const result = await runCli(['kafka-topics', '--kafka-brokers', brokers, '--topics-file', await writeCatalogue(topics), ...state]);
  if (result.code !== 0) throw new Error(`kafka-topics failed:\n${result.stdout}`);
}

/** What kafka-topics.sh and kafka-configs.sh run: one JVM per invocation, with the tools' logging configuration. */
function kafkaTool(tool: 'TopicCommand' | 'ConfigCommand', args: readonly string[], log4j: string) {
  const libs = process.env['LEARNFLOW_KAFKA_LIBS'];
  if (!libs) throw new Error('LEARNFLOW_KAFKA_LIBS is not set: source scripts/env.sh');
  const main = tool === 'TopicCommand' ? 'org.apache.kafka.tools.TopicCommand' : 'kafka.admin.ConfigCommand';
  return runOk('java', ['-Xmx256M', '-XX:+UseG1GC', `-Dlog4j.configuration=file:${log4j}`, '-cp', `${libs}/*`, main, ...args]);
}

/** The tools' way: create each topic if it is missing, then set its configs. */
async function kafkaTools(brokers: string, topics: readonly TopicSpec[], log4j: string): Promise<void> {
  for (const topic of topics) {
    const configs = Object.entries(topic.config).map(([key, value]) => `${key}=${value}`);
    await kafkaTool(
      'TopicCommand',
      [
        ...['--bootstrap-server', brokers, '--create', '--if-not-exists', '--topic', topic.name],
        ...['--partitions', String(topic.partitions), '--replication-factor', String(topic.replicationFactor)],
        ...configs.flatMap((config) => ['--config', config]),
      ],
      log4j,
    );
    await kafkaTool(
      'ConfigCommand',
      ['--bootstrap-server', brokers, '--alter', '--entity-type', 'topics', '--entity-name', topic.name, '--add-config', configs.join(',')],
      log4j,
    );
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

const controlPlane = await ControlPlane.start('bench');
try {
  const cluster = new Cluster(controlPlane.kubeconfig);
  for (const mode of kafkaModes) {
    const server = await KafkaServer.start('bench', mode);
    try {
      const runs = () => ({ fresh: [] as number[], again: [] as number[] });
      const results = { threeWay: runs(), twoWay: runs(), tools: runs() };
      for (let run = 0; run < repetitions; run++) {
        // A record of its own per run: each run starts from an empty ConfigMap, as a new release does.
        const account = await hookAccount(cluster, 'learnflow-reconcile');
        const state = ['--state-configmap', 'learnflow-kafka-topics-state', '--release', 'learnflow', ...account.flags];
        const [threeWay, twoWay, tools] = [
          await chartCatalogue(uniquePrefix()),
          await chartCatalogue(uniquePrefix()),
          await chartCatalogue(uniquePrefix()),
        ];
        results.threeWay.fresh.push(await timed(() => ourReconcile(server.bootstrap, threeWay, state)));
        results.threeWay.again.push(await timed(() => ourReconcile(server.bootstrap, threeWay, state)));
        results.twoWay.fresh.push(await timed(() => ourReconcile(server.bootstrap, twoWay, [])));
        results.twoWay.again.push(await timed(() => ourReconcile(server.bootstrap, twoWay, [])));
        results.tools.fresh.push(await timed(() => kafkaTools(server.bootstrap, tools, log4j)));
        results.tools.again.push(await timed(() => kafkaTools(server.bootstrap, tools, log4j)));
      }
      const values = (times: { fresh: number[]; again: number[] }) => [median(times.fresh), median(times.again)] as const;
      printComparison(
        `Kafka 3.9.0, ${mode} mode: the ${catalogueTopics.length} catalogue topics, wall time, median of ${repetitions} runs`,
        ['fresh', 'no change'],
        [
          { label: 'learnflow-hooks kafka-topics, three-way (its record)', values: values(results.threeWay) },
          { label: 'learnflow-hooks kafka-topics, two-way (no record)', values: values(results.twoWay) },
          { label: 'kafka-topics.sh + kafka-configs.sh, one JVM each per topic', values: values(results.tools) },
        ],
        'the tools / ours three-way',
      );
    } finally {
      await server.delete();
    }
  }
} finally {
  await controlPlane.delete();
}
