// kafkajs is CommonJS and spreads its exports, so Node cannot name them for an ESM import:
// the package is imported whole, once, here.
import kafkajs from 'kafkajs';

export const {
  Kafka,
  ConfigResourceTypes,
  ConfigSource,
  logLevel,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
} = kafkajs;
export type { AclEntry, Admin, LogEntry, SASLOptions } from 'kafkajs';
export type Kafka = InstanceType<typeof Kafka>;
