import { afterEach, describe, expect, inject, it } from 'vitest';
import { uniquePrefix } from '../support/catalogue.js';
import { examplePlatform, publishSteadily, steadily, uniqueAppIds, untilAllDelivered } from '../support/example-service.js';
import { createTestTopic, untilGroupsConsuming } from '../support/kafka-admin.js';
import { KafkaServer } from '../support/kafka-server.js';
import { PostgresqlServer } from '../support/postgresql-server.js';
import { waitUntil } from '../support/wait.js';

// The guarantees services rely on, through faults: the example service (examples/service) beside
// real daprd sidecars loading the chart's components, with a Kafka or a PostgreSQL of the test's
// own to kill and restart. Duplicates are allowed (delivery is at least once) and counted; losses
// must be none. The figures are printed for the record (docs/dapr.md).

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('nothing lost through faults (real daprd sidecars, Kafka and PostgreSQL)', () => {
  it(
    'every publish Dapr acknowledged while the broker is killed and restarted reaches every subscribed app id',
    { timeout: 600_000 },
    async () => {
      const broker = await KafkaServer.start('dapr-broker-kill', 'kraft');
      cleanups.push(() => broker.delete());
      const topic = `${uniquePrefix()}exercise.graded`;
      await createTestTopic(broker.bootstrap, topic, 2);
      const platform = await examplePlatform(broker.bootstrap, inject('postgresql'));
      cleanups.push(() => platform.stop());
      const [progress, alerts] = uniqueAppIds('progress', 'alerts');
      const apps = { [progress]: await platform.start(progress, 1, [topic]), [alerts]: await platform.start(alerts, 1, [topic]) };
      await untilGroupsConsuming(broker.bootstrap, { [`learnflow.${progress}`]: 1, [`learnflow.${alerts}`]: 1 });

      const publishing = publishSteadily(apps[progress]![0]!, topic, 3000);
      cleanups.push(() => publishing.stop());
      await waitUntil('100 publishes acknowledged before the fault', async () => publishing.acknowledged.length >= 100);
      await broker.kill();
      await waitUntil('a publish refused while the broker is down', async () => publishing.refused.length > 0);
      await broker.start();
      await waitUntil('100 publishes acknowledged after the restart', async () => publishing.recovered(100));
      await publishing.stop();

      const figures: Record<string, unknown> = { acknowledged: publishing.acknowledged.length, refused: publishing.refused.length };
      for (const [appId, replicas] of Object.entries(apps))
        figures[appId] = await untilAllDelivered(appId, replicas, topic, publishing.acknowledged);
      console.log(`broker killed and restarted mid-stream: ${JSON.stringify(figures)}`);
    },
  );

  it('every state save acknowledged while PostgreSQL restarts reads back afterwards', { timeout: 600_000 }, async () => {
    const server = await PostgresqlServer.start('dapr-pg-restart');
    cleanups.push(() => server.delete());
    const platform = await examplePlatform(inject('kafkaBrokers').kraft, await server.address());
    cleanups.push(() => platform.stop());
    const [replica] = await platform.start(uniqueAppIds('state')[0], 1, []);
    const state = `http://127.0.0.1:${replica!.daprd.httpPort}/v1.0/state/statestore`;

    const saving = steadily(3000, async (n) => {
      const response = await fetch(state, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ key: `save-${n}`, value: { n } }]),
        signal: AbortSignal.timeout(30_000),
      });
      cleanups.push(() => saving.stop());
      return response.status === 204;
    });
    const { acknowledged, refused } = saving;
    await waitUntil('100 saves acknowledged before the restart', async () => acknowledged.length >= 100);
    await server.stop();
    await waitUntil('a save refused while PostgreSQL is down', async () => refused.length > 0);
    await server.start();
    await waitUntil('100 saves acknowledged after the restart', async () => saving.recovered(100));
    await saving.stop();

    const lost: number[] = [];
    for (const n of acknowledged) {
      const response = await fetch(`${state}/save-${n}`);
      if (response.status !== 200 || ((await response.json()) as { n: number }).n !== n) lost.push(n);
    }
    console.log(
      'PostgreSQL restarted mid-stream: ' +
        JSON.stringify({ acknowledged: acknowledged.length, refused: refused.length, lost: lost.length }),
    );
    expect(lost).toEqual([]);
  });

  it(
    'a subscriber replica stopped mid-stream: the others and its replacement take its share, nothing lost',
    { timeout: 600_000 },
    async () => {
      const kafka = inject('kafkaBrokers').kraft;
      const topic = `${uniquePrefix()}progress.updated`;
      await createTestTopic(kafka, topic, 2);
      const platform = await examplePlatform(kafka, inject('postgresql'));
      cleanups.push(() => platform.stop());
      const [publisherId, progress] = uniqueAppIds('publisher', 'progress');
      const [publisher] = await platform.start(publisherId, 1, []);
      const replicas = await platform.start(progress, 2, [topic]);
      await untilGroupsConsuming(kafka, { [`learnflow.${progress}`]: 2 });

      const publishing = publishSteadily(publisher!, topic, 400);
      cleanups.push(() => publishing.stop());
      await waitUntil('100 publishes acknowledged before the replica stops', async () => publishing.acknowledged.length >= 100);
      // As Kubernetes deletes a Pod: its sidecar stops (the app then receives nothing more), then the app.
      const [stopped, kept] = replicas;
      await stopped!.stopSidecar();
      const stoppedProcessed = await stopped!.processed();
      await stopped!.stop();
      const [replacement] = await platform.start(progress, 1, [topic]);
      await publishing.done;

      const recorded = [kept!, replacement!, { processed: () => Promise.resolve(stoppedProcessed) }];
      const figures = await untilAllDelivered(progress, recorded, topic, publishing.acknowledged);
      console.log(`a replica stopped mid-stream: ${JSON.stringify({ acknowledged: publishing.acknowledged.length, ...figures })}`);
      expect(publishing.refused).toEqual([]);
      expect(await platform.savedEvents(progress)).toBe(new Set(publishing.acknowledged).size);
    },
  );
});
