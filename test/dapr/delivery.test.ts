import { afterEach, describe, expect, inject, it } from 'vitest';
import { uniquePrefix } from '../support/catalogue.js';
import { examplePlatform, uniqueAppIds, untilEveryNumber } from '../support/example-service.js';
import { createTestTopic, untilGroupsConsuming } from '../support/kafka-admin.js';

// What a service gets from the chart's pub/sub: the example service (examples/service) as several
// app ids with several replicas, each beside a real daprd loading the components as the chart
// renders them, against the real Kafka and PostgreSQL.

const platforms: Awaited<ReturnType<typeof examplePlatform>>[] = [];
afterEach(async () => {
  await Promise.all(platforms.splice(0).map((platform) => platform.stop()));
});

async function platformWithTopic(topic: string, partitions: number) {
  const kafka = inject('kafkaBrokers').kraft;
  await createTestTopic(kafka, topic, partitions);
  const platform = await examplePlatform(kafka, inject('postgresql'));
  platforms.push(platform);
  return { kafka, ...platform };
}

describe("what services receive through the chart's pub/sub (real daprd, Kafka and PostgreSQL)", () => {
  it(
    'every app id receives every message; the replicas of one app id share them, each message processed by one',
    { timeout: 300_000 },
    async () => {
      const topic = `${uniquePrefix()}exercise.graded`;
      const { kafka, start, savedEvents } = await platformWithTopic(topic, 2);
      const [progress, triage] = uniqueAppIds('progress', 'triage');
      const apps = { [progress]: await start(progress, 2, [topic]), [triage]: await start(triage, 2, [topic]) };
      await untilGroupsConsuming(kafka, { [`learnflow.${progress}`]: 2, [`learnflow.${triage}`]: 2 });

      const count = 200;
      const publisher = apps[progress]![0]!;
      for (let n = 0; n < count; n++) await publisher.publish(topic, { n }, `student-${n % 20}`);

      for (const [appId, replicas] of Object.entries(apps)) {
        const byReplica = await untilEveryNumber(replicas, count);
        const [first, second] = [...byReplica.values()];
        // Each replica got a share (one partition each), and no message went to both.
        expect(first!.length, `${appId}: ${JSON.stringify([...byReplica])}`).toBeGreaterThan(0);
        expect(second!.length, appId).toBeGreaterThan(0);
        expect(
          first!.filter((n) => second!.includes(n)),
          appId,
        ).toEqual([]);
        expect(first!.length + second!.length, `${appId}: no duplicates without a fault`).toBe(count);
        expect(await savedEvents(appId)).toBe(count);
      }
      // The envelope docs/services.md describes, around what was published.
      const [event] = await apps[triage]![0]!.processed();
      expect(event).toMatchObject({ topic, source: progress, type: 'com.dapr.event.sent', data: { n: expect.any(Number) } });
    },
  );

  it('a service deployed after messages were published receives them: its group starts at the oldest', { timeout: 300_000 }, async () => {
    const topic = `${uniquePrefix()}struggle.detected`;
    const { start } = await platformWithTopic(topic, 2);
    const [exercises, alerts] = uniqueAppIds('exercises', 'alerts');
    const [publisher] = await start(exercises, 1, [topic]);
    const count = 20;
    for (let n = 0; n < count; n++) await publisher!.publish(topic, { n }, `student-${n}`);

    const late = await start(alerts, 1, [topic]);
    const byReplica = await untilEveryNumber(late, count);
    expect([...byReplica.values()].flat().sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, n) => n));
  });
});
