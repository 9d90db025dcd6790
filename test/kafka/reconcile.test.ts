import { describe, expect, inject, it } from 'vitest';
import type { TopicSpec } from '../../hooks/kafka/catalogue.js';
import { classifyKafkaFailure } from '../../hooks/kafka/failures.js';
import { describeChange, type AppliedChanges } from '../../hooks/kafka/plan.js';
import { reconcileTopics } from '../../hooks/kafka/reconcile.js';
import { topicsStatus } from '../../hooks/kafka/state.js';
import { retryUntil } from '../../hooks/lib/retry.js';
import { ActionableError } from '../../common/errors.js';
import { chartCatalogue, writeCatalogue } from '../support/catalogue.js';
import { failure, runCli } from '../support/cli.js';
import { kafkaModes } from '../support/kafka-server.js';
import { expectTopicsAsDeclared, quietLogger, setTopicOverridesByHand, topicFacts, withTestAdmin } from '../support/kafka-admin.js';

// As the kafka-topics command runs it: retried while Kafka settles, failing fast otherwise.
const reconcile = (brokers: string, topics: readonly TopicSpec[]) =>
  retryUntil(() => withTestAdmin(brokers, (admin) => reconcileTopics(admin, topics, { dryRun: false, logger: quietLogger })), {
    what: 'reconciling',
    classify: classifyKafkaFailure,
    policy: { timeoutMs: 30_000, initialDelayMs: 200, maxDelayMs: 2_000 },
  });

describe.each(kafkaModes)('topic reconcile against a real Kafka (%s mode)', (mode) => {
  const brokers = inject('kafkaBrokers')[mode];

  it('creates every catalogue topic with its partitions, replication factor and configs', async () => {
    const topics = await chartCatalogue();
    const { applied } = await reconcile(brokers, topics);
    expect(applied).toHaveLength(topics.length);
    await expectTopicsAsDeclared(brokers, topics);
  });

  it('changes nothing on a second run', async () => {
    const topics = await chartCatalogue();
    await reconcile(brokers, topics);
    const again = await reconcile(brokers, topics);
    expect(again.applied).toEqual([]);
    expect(again.plan.inSync).toEqual(topics.map((topic) => topic.name));
  });

  it('corrects drifted configs and keeps overrides it does not manage', async () => {
    const [topic] = await chartCatalogue();
    await reconcile(brokers, [topic!]);
    await setTopicOverridesByHand(brokers, topic!.name, { 'retention.ms': '1000', 'max.message.bytes': '2000000' });
    const { applied } = await reconcile(brokers, [topic!]);
    expect(applied.map((change) => change.kind)).toEqual(['set-config']);
    const facts = await withTestAdmin(brokers, (admin) => topicFacts(admin, topic!.name));
    expect(facts.overrides).toEqual({ ...topic!.config, 'max.message.bytes': '2000000' });
  });

  it('reports what an earlier attempt of the run applied, which a retried attempt finds done', async () => {
    const [first, second] = await chartCatalogue();
    const attempts: AppliedChanges[] = [];
    // Each attempt retried while Kafka settles, as the hook's are, all recording into one run's attempts.
    const attempt = (topics: readonly TopicSpec[]) =>
      retryUntil(
        () => withTestAdmin(brokers, (admin) => reconcileTopics(admin, topics, { dryRun: false, logger: quietLogger, attempts })),
        {
          what: 'reconciling',
          classify: classifyKafkaFailure,
          policy: { timeoutMs: 30_000, initialDelayMs: 200, maxDelayMs: 2_000 },
        },
      );
    // The first attempt creates one topic; the run is then tried again whole (as withKafka does after a failure).
    await attempt([first!]);
    const retried = await attempt([first!, second!]);
    expect(retried.applied.map(describeChange)).toEqual([
      expect.stringMatching(new RegExp(`^create ${first!.name.replaceAll('.', '\\.')} `)),
      expect.stringMatching(new RegExp(`^create ${second!.name.replaceAll('.', '\\.')} `)),
    ]);
    expect(retried.plan.inSync).toEqual([first!.name]);
    expect(topicsStatus(retried.plan, [], new Date()).topics.map(({ topic, outcome }) => [topic, outcome])).toEqual(
      [
        [first!.name, 'created'],
        [second!.name, 'created'],
      ].sort(([a], [b]) => a!.localeCompare(b!)),
    );
  });

  it('increases partitions', async () => {
    const [topic] = await chartCatalogue();
    await reconcile(brokers, [topic!]);
    await reconcile(brokers, [{ ...topic!, partitions: topic!.partitions + 2 }]);
    expect((await withTestAdmin(brokers, (admin) => topicFacts(admin, topic!.name))).partitions).toBe(topic!.partitions + 2);
  });

  it('refuses fewer partitions or another replication factor, and applies nothing else', async () => {
    const [first, second] = await chartCatalogue();
    await reconcile(brokers, [first!]);
    const asking = [{ ...first!, partitions: first!.partitions - 1, replicationFactor: 2 }, second!];
    const refused = reconcile(brokers, asking);
    await expect(refused).rejects.toBeInstanceOf(ActionableError);
    await expect(refused).rejects.toThrow(/Kafka cannot remove partitions; set partitions to \d+ or more/);
    await expect(refused).rejects.toThrow(/replication factor is 1 and the catalogue asks for 2/);
    const existing = await withTestAdmin(brokers, (admin) => admin.listTopics());
    expect(existing).not.toContain(second!.name);
  });

  it('plans without applying on a dry run, and says so', async () => {
    const topics = await chartCatalogue();
    const file = await writeCatalogue(topics);
    const result = await runCli(['kafka-topics', '--dry-run', '--kafka-brokers', brokers, '--topics-file', file]);
    expect(result.code).toBe(0);
    const planned = result.lines.filter((line) => line['planned'] === 'create').map((line) => line.msg);
    expect(planned).toHaveLength(topics.length);
    const query = planned.find((line) => line.includes('.learning.query '));
    expect(query?.replace(/^would create t[0-9a-f]+\./, 'would create ')).toBe(
      'would create learning.query (partitions 3, replication factor 1, ' +
        'min.insync.replicas=1, retention.ms=604800000, segment.ms=86400000)',
    );
    const existing = await withTestAdmin(brokers, (admin) => admin.listTopics());
    expect(existing.filter((name) => topics.some((topic) => topic.name === name))).toEqual([]);
  });

  it('leaves the same state when two runs race', async () => {
    const topics = await chartCatalogue();
    const file = await writeCatalogue(topics);
    const runs = await Promise.all([1, 2].map(() => runCli(['kafka-topics', '--kafka-brokers', brokers, '--topics-file', file])));
    for (const result of runs) expect(result.code, result.stdout).toBe(0);
    // Nothing on stderr: not even kafkajs's harmless negative-timeout warning on Node 24.
    for (const result of runs) expect(result.stderr).toBe('');
    const again = await reconcile(brokers, topics);
    expect(again.applied).toEqual([]);
    // Neither run grew anything twice.
    await expectTopicsAsDeclared(brokers, topics);
  });

  it('validates every change first: names each topic and key the broker rejects, and applies nothing', async () => {
    const [existing, created, rejected] = await chartCatalogue();
    await reconcile(brokers, [existing!]);
    const asking = [
      { ...existing!, config: { ...existing!.config, 'segment.bytes': '10' } },
      created!,
      { ...rejected!, config: { ...rejected!.config, 'retention.ms': 'soon' } },
    ];
    const file = await writeCatalogue(asking);
    const result = await runCli(['kafka-topics', '--kafka-brokers', brokers, '--topics-file', file]);
    expect(result.code).toBe(2);
    expect(result.elapsedMs).toBeLessThan(15_000);
    const { msg, hint } = failure(result);
    expect(msg).toContain(`topic ${existing!.name} config segment.bytes=10: INVALID_CONFIG`);
    expect(msg).toContain(`topic ${rejected!.name} config retention.ms=soon: INVALID_CONFIG`);
    expect(msg).not.toContain('segment.ms');
    expect(msg).not.toContain(created!.name);
    expect(hint).toContain('kafkaTopics.topics.<topic>.config');
    expect(hint).toContain('nothing was applied');
    const names = await withTestAdmin(brokers, (admin) => admin.listTopics());
    expect(names).not.toContain(created!.name);
    expect(names).not.toContain(rejected!.name);
    await expectTopicsAsDeclared(brokers, [existing!]);
  });
});
