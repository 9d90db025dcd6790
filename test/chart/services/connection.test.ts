import { describe, expect, it } from 'vitest';
import { find, render } from '../../support/chart.js';

// The ConfigMap services take their connection from (docs/services.md), for `envFrom`.
const connection = async (set: string[] = []) => find(await render({ set }), 'ConfigMap', 'learnflow-connection')['data'];

describe('the services’ connection ConfigMap', () => {
  it("gives PostgreSQL as the services' role in libpq's variables, Kafka's bootstrap and the Dapr components: no secret", async () => {
    expect(await connection()).toEqual({
      KAFKA_BOOTSTRAP_SERVERS: 'learnflow-kafka.learnflow.svc.cluster.local:9092',
      PGHOST: 'learnflow-postgresql.learnflow.svc.cluster.local',
      PGPORT: '5432',
      PGDATABASE: 'learnflow',
      PGUSER: 'learnflow_services',
      DAPR_PUBSUB_NAME: 'pubsub-kafka',
      DAPR_STATESTORE_NAME: 'statestore',
    });
  });

  it('follows existing services, and leaves out what a part turned off does not provide', async () => {
    expect(
      await connection([
        'kafka.enabled=false',
        'kafkaTopics.bootstrapServers=kafka.shared:9092',
        'postgresql.enabled=false',
        'postgresqlSchema.host=db.shared',
        'postgresqlSchema.port=6432',
        'postgresqlSchema.database=lf',
        'postgresqlSchema.username=lf_owner',
        'daprComponents.enabled=false',
      ]),
    ).toEqual({
      KAFKA_BOOTSTRAP_SERVERS: 'kafka.shared:9092',
      PGHOST: 'db.shared',
      PGPORT: '6432',
      PGDATABASE: 'lf',
      PGUSER: 'learnflow_services',
    });
    const objects = await render({ set: ['kafkaTopics.enabled=false', 'postgresqlSchema.enabled=false', 'daprComponents.enabled=false'] });
    expect(objects.filter((object) => object.metadata.name === 'learnflow-connection')).toEqual([]);
  });
});
