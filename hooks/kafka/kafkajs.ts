// kafkajs is CommonJS and spreads its exports, so Node cannot name them for an ESM import:
// the package is imported whole, once, here.
import kafkajs from 'kafkajs';

export const { Kafka, ConfigResourceTypes, ConfigSource, logLevel } = kafkajs;
export type { Admin, LogEntry, SASLOptions } from 'kafkajs';
export type Kafka = InstanceType<typeof Kafka>;
