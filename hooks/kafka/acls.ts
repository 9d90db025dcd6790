import type { Logger } from '../lib/logger.js';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Admin } from './kafkajs.js';
import { checkPrefix } from './round-trip.js';

/** One right of the services user: an operation on a topic or a consumer group, by name or by prefix. */
export interface ServicesRight {
  resource: 'topic' | 'group';
  name: string;
  pattern: 'literal' | 'prefixed';
  operation: 'read' | 'write' | 'describe';
}

/**
 * The services user's rights, all of them: produce and consume on each catalogue topic, and on the
 * checks' temporary topics (the Dapr check publishes through the services' component), and join
 * its consumer groups, a name ending in "*" being a prefix (the Dapr pub/sub's group per app id).
 * Nothing else: no create, delete, alter or cluster right.
 */
export function servicesRights(topics: readonly string[], groups: readonly string[]): ServicesRight[] {
  const onTopic = (name: string, pattern: ServicesRight['pattern']) =>
    (['read', 'write', 'describe'] as const).map((operation) => ({ resource: 'topic' as const, name, pattern, operation }));
  return [
    ...topics.flatMap((name) => onTopic(name, 'literal')),
    ...onTopic(checkPrefix, 'prefixed'),
    ...groups.map((group) => {
      const prefix = group.endsWith('*');
      return {
        resource: 'group' as const,
        name: prefix ? group.slice(0, -1) : group,
        pattern: prefix ? ('prefixed' as const) : ('literal' as const),
        operation: 'read' as const,
      };
    }),
  ];
}

const key = (right: ServicesRight) => `${right.resource} ${right.pattern} ${right.name} ${right.operation}`;

/** What to create and what to delete so that the user holds exactly `wanted`. */
export function planRights(wanted: readonly ServicesRight[], held: readonly ServicesRight[]) {
  const heldKeys = new Set(held.map(key));
  const wantedKeys = new Set(wanted.map(key));
  return { create: wanted.filter((right) => !heldKeys.has(key(right))), remove: held.filter((right) => !wantedKeys.has(key(right))) };
}

export const describeRight = (right: ServicesRight) =>
  `${right.operation} on ${right.resource} ${right.name}${right.pattern === 'prefixed' ? '*' : ''}`;

const resourceTypes = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const patternTypes = { literal: ResourcePatternTypes.LITERAL, prefixed: ResourcePatternTypes.PREFIXED } as const;
const operations = { read: AclOperationTypes.READ, write: AclOperationTypes.WRITE, describe: AclOperationTypes.DESCRIBE } as const;

function entry(principal: string, right: ServicesRight): AclEntry {
  return {
    resourceType: resourceTypes[right.resource],
    resourceName: right.name,
    resourcePatternType: patternTypes[right.pattern],
    principal,
    host: '*',
    operation: operations[right.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** The user's ALLOW ACLs as rights; any other ACL of the user (a DENY, a cluster right) as an extra to remove. */
async function heldRights(admin: Admin, principal: string): Promise<{ rights: ServicesRight[]; others: AclEntry[] }> {
  const { resources } = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    principal,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  const rights: ServicesRight[] = [];
  const others: AclEntry[] = [];
  const named = <T extends Record<string, number>>(table: T, value: number) =>
    (Object.keys(table) as (keyof T)[]).find((name) => table[name] === value);
  for (const { acls, ...resource } of resources) {
    for (const acl of acls) {
      const right = {
        resource: named(resourceTypes, resource.resourceType),
        name: resource.resourceName,
        pattern: named(patternTypes, resource.resourcePatternType),
        operation: named(operations, acl.operation),
      };
      if (acl.permissionType === AclPermissionTypes.ALLOW && acl.host === '*' && right.resource && right.pattern && right.operation) {
        rights.push(right as ServicesRight);
      } else {
        others.push({ ...resource, ...acl });
      }
    }
  }
  return { rights, others };
}

export interface AclResult {
  created: ServicesRight[];
  removed: string[];
}

/**
 * Makes the services user's ACLs exactly `wanted`: missing ones created, any other ACL of that
 * user deleted. Both requests are idempotent, so concurrent runs end in the same state.
 */
export async function reconcileServicesAcls(
  admin: Admin,
  user: string,
  wanted: readonly ServicesRight[],
  options: { dryRun: boolean; logger: Logger },
): Promise<AclResult> {
  const principal = `User:${user}`;
  const { rights, others } = await heldRights(admin, principal);
  const { create, remove } = planRights(wanted, rights);
  const removed = [...remove.map(describeRight), ...others.map((acl) => JSON.stringify(acl))];
  if (options.dryRun) return { created: create, removed };
  if (create.length > 0) await admin.createAcls({ acl: create.map((right) => entry(principal, right)) });
  const filters = [...remove.map((right) => entry(principal, right)), ...others];
  if (filters.length > 0) await admin.deleteAcls({ filters });
  for (const right of create) options.logger.info({ user, acl: describeRight(right) }, `allowed ${user} ${describeRight(right)}`);
  for (const acl of removed) options.logger.info({ user, acl }, `removed ${user}'s ACL ${acl}`);
  return { created: create, removed };
}
