// What the global setup hands to the tests (vitest's provide/inject).
import type {} from 'vitest';
import type { KafkaMode } from './kafka-server.js';
import type { PostgresqlAddress } from './postgresql-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap address of the suite's shared broker in each mode. */
    kafkaBrokers: Record<KafkaMode, string>;
    /** Admin kubeconfig of the suite's Kubernetes control plane. */
    kubeconfig: string;
    /** The suite's PostgreSQL; tests make a database each (freshDatabase). */
    postgresql: PostgresqlAddress;
  }
}
