import { afterEach, describe, expect, it } from 'vitest';
import { failure, loggedMs, runCli, startCli } from '../support/cli.js';
import { seededRows } from '../support/contract.js';
import { credentialsDir, freshDatabase, withDatabase, PostgresqlServer } from '../support/postgresql-server.js';

// Each test here gets a server of its own, since it stops it. The hook's budget covers a whole
// (re)start inside it (pg_ctl waits up to 60s, in postgresql-server.sh); a test's bound is the sum
// of its parts': a first start, the hook's budget, and the checks after it.
const hookTimeout = '90';
const hookTestTimeout = (60 + Number(hookTimeout) + 30) * 1000;
const servers: PostgresqlServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.delete()));
});

async function ownServer() {
  const server = await PostgresqlServer.start('pg-resilience');
  servers.push(server);
  return { server, db: await freshDatabase(await server.address()) };
}

const testPasswords = {
  'test-admin-password': 'admin-secret-1',
  'test-teacher-password': 'teacher-secret-1',
  'test-student-password': 'student-secret-1',
};

describe('the database hooks when PostgreSQL is not there', () => {
  it('migrate waits for a database that is not up yet when the hook starts', { timeout: hookTestTimeout }, async () => {
    const { server, db } = await ownServer();
    await server.stop();
    let started: Promise<void> | undefined;
    const hook = startCli(['postgresql-migrate', ...db.flags, '--timeout', hookTimeout], {}, (line) => {
      if (line.level === 'warn') started ??= server.start();
    });
    const result = await hook;
    await started;
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.find((line) => line.level === 'warn')?.msg).toContain('cannot use PostgreSQL yet');
    expect(result.lines.at(-1)?.msg).toMatch(/^applied \d+ migration/);
  });

  it('seed completes, without duplicates, when the database restarts in the middle', { timeout: hookTestTimeout }, async () => {
    const { server, db } = await ownServer();
    expect((await runCli(['postgresql-migrate', ...db.flags])).code).toBe(0);
    const credentials = await credentialsDir(testPasswords);
    let restarted: Promise<void> | undefined;
    const hook = startCli(
      ['postgresql-seed', ...db.flags, '--test-users', '--credentials-dir', credentials, '--timeout', hookTimeout],
      {},
      (line) => {
        // Seeding has begun: stop the server under it, and bring it back.
        if (line.msg === 'seeding the database') restarted ??= server.stop().then(() => server.start());
      },
    );
    const result = await hook;
    await restarted;
    expect(result.code, result.stdout).toBe(0);
    const again = await runCli(['postgresql-seed', ...db.flags, '--test-users', '--credentials-dir', credentials]);
    expect(again.code).toBe(0);
    const counts = await withDatabase(
      db,
      async (client) =>
        (
          await client.query<{ topics: number; users: number }>(
            'SELECT (SELECT count(*) FROM topics)::int AS topics, (SELECT count(*) FROM users)::int AS users',
          )
        ).rows[0],
    );
    expect(counts).toEqual({ topics: seededRows.topics, users: seededRows.users });
  });

  it('fails fast on a wrong password, naming the Secret and key it came from', async () => {
    const { db } = await ownServer();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(db.passwordFile, 'not-the-password');
    const result = await runCli([
      'postgresql-migrate',
      ...db.flags,
      '--postgresql-password-secret',
      'Secret learnflow-credentials, key password',
    ]);
    expect(result.code).toBe(1);
    // Far below the default budget (300s) it would spend retrying.
    expect(result.elapsedMs).toBeLessThan(15_000);
    expect(failure(result).msg).toContain(`PostgreSQL rejected the password of user ${db.user}`);
    expect(failure(result).hint).toContain('the password comes from Secret learnflow-credentials, key password');
  });

  it('fails within its timeout when nothing answers', async () => {
    const unused = await PostgresqlServer.allocate('pg-never');
    const result = await runCli([
      'postgresql-migrate',
      '--postgresql-host',
      '127.0.0.1',
      '--postgresql-port',
      String(unused.port),
      '--postgresql-password-file',
      '/dev/null',
      '--timeout',
      '3',
    ]);
    expect(result.code).toBe(1);
    // The budget, by the program's own clock, with room for a late timer.
    expect(loggedMs(result)).toBeLessThan(3_000 + 2_000);
    expect(failure(result).msg).toMatch(
      new RegExp(
        String.raw`^migrating the database gave up after 3s and \d+ attempt\(s\): ` +
          String.raw`(the last attempt was still running at the deadline; the one before failed: )?` +
          String.raw`cannot use PostgreSQL yet: connect ECONNREFUSED`,
      ),
    );
    expect(failure(result).hint).toContain('kubectl get pods');
  });
});
