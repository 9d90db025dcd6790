import { afterEach, describe, expect, it } from 'vitest';
import { chartCatalogue, writeCatalogue } from '../support/catalogue.js';
import { failure, loggedMs, runCli, startCli } from '../support/cli.js';
import { KafkaServer, kafkaModes } from '../support/kafka-server.js';
import { expectTopicsAsDeclared } from '../support/kafka-admin.js';

// Each test here gets a broker of its own, since it stops or delays it. The hook's budget covers a
// whole (re)start of the server inside it: ZooKeeper, then the broker, each within 60s by
// kafka-server.sh (a loaded machine takes most of that). A test's bound is the sum of its parts':
// a first start, the hook's budget, and the check after it.
const hookTimeout = '180';
const hookTestTimeout = (2 * 60 + Number(hookTimeout) + 60) * 1000;
const servers: KafkaServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.delete()));
});

describe.each(kafkaModes)('the topic hook when the broker is not there (%s mode)', (mode) => {
  it('waits for a broker that starts after the hook', { timeout: hookTestTimeout }, async () => {
    const server = await KafkaServer.allocate('late', mode);
    servers.push(server);
    const topics = await chartCatalogue();
    const file = await writeCatalogue(topics);
    let started: Promise<void> | undefined;
    const hook = startCli(
      ['kafka-topics', '--kafka-brokers', server.bootstrap, '--topics-file', file, '--timeout', hookTimeout],
      {},
      (line) => {
        // Start the broker only once the hook has found it missing.
        if (line.level === 'warn') started ??= server.start();
      },
    );
    const result = await hook;
    await started;
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.find((line) => line.level === 'warn')?.msg).toContain('cannot reach the Kafka broker');
    await expectTopicsAsDeclared(server.bootstrap, topics);
  });

  it('finishes the job when the broker crashes during the run and comes back', { timeout: hookTestTimeout }, async () => {
    const server = await KafkaServer.start('crash', mode);
    servers.push(server);
    const topics = await chartCatalogue();
    const file = await writeCatalogue(topics);
    let crashed: Promise<void> | undefined;
    const hook = startCli(
      ['kafka-topics', '--kafka-brokers', server.bootstrap, '--topics-file', file, '--timeout', hookTimeout],
      {},
      () => {
        // The first line is printed as the hook starts connecting: crash the broker under it, and bring it back.
        crashed ??= server.kill().then(() => server.start());
      },
    );
    const result = await hook;
    await crashed;
    expect(result.code, result.stdout).toBe(0);
    expect(
      result.lines.some((line) => line.level === 'warn'),
      'the hook saw the broker go away',
    ).toBe(true);
    await expectTopicsAsDeclared(server.bootstrap, topics);
  });

  it(
    'waits out a broker that hangs (it accepts connections and answers nothing), then crashes and comes back',
    { timeout: hookTestTimeout },
    async () => {
      const server = await KafkaServer.start('hung', mode);
      servers.push(server);
      const topics = await chartCatalogue();
      const file = await writeCatalogue(topics);
      await server.freeze();
      let warned: Promise<void> | undefined;
      const hook = startCli(
        ['kafka-topics', '--kafka-brokers', server.bootstrap, '--topics-file', file, '--timeout', hookTimeout],
        {},
        (line) => {
          // The hook's first request timed out, or its connection was found dead: now crash the broker.
          if (line.level === 'warn') warned ??= server.kill().then(() => server.start());
        },
      );
      const result = await hook;
      await warned;
      expect(result.code, result.stdout).toBe(0);
      expect(result.lines.find((line) => line.level === 'warn')?.msg).toMatch(/did not answer/);
      await expectTopicsAsDeclared(server.bootstrap, topics);
    },
  );
});

describe('the topic hook with nothing to talk to', () => {
  it('fails within its timeout, naming the broker and what to check', async () => {
    const unused = await KafkaServer.allocate('never', 'kraft');
    const file = await writeCatalogue(await chartCatalogue());
    const result = await runCli(['kafka-topics', '--kafka-brokers', unused.bootstrap, '--topics-file', file, '--timeout', '4']);
    expect(result.code).toBe(1);
    // The budget, by the program's own clock, with room for a late timer.
    expect(loggedMs(result)).toBeLessThan(4_000 + 2_000);
    const { msg, hint } = failure(result);
    // An attempt in flight at the deadline is abandoned, and the one before it is reported instead.
    expect(msg).toMatch(
      new RegExp(
        `^reconciling Kafka topics gave up after 4s and \\d+ attempt\\(s\\): (the last attempt was still running at ` +
          `the deadline; the one before failed: )?cannot reach the Kafka broker ${unused.bootstrap}`,
      ),
    );
    expect(hint).toContain('kubectl get pods');
  });

  it('fails fast on a malformed catalogue, naming the bad entries', async () => {
    const file = await writeCatalogue([
      { name: 'learning.query', partitions: 0, replicationFactor: 1 },
      { name: 'bad/name', partitions: 1, replicationFactor: 1 },
    ]);
    const result = await runCli(['kafka-topics', '--kafka-brokers', '127.0.0.1:1', '--topics-file', file]);
    expect(result.code).toBe(2);
    // Far below the default budget (300s) it would spend retrying.
    expect(result.elapsedMs).toBeLessThan(15_000);
    const { msg } = failure(result);
    expect(msg).toContain('topic "learning.query": partitions must be a whole number of 1 or more, not 0');
    expect(msg).toContain('topic "bad/name": name may only contain letters, digits');
  });

  it('explains a missing catalogue file and bad flags', async () => {
    const missing = await runCli(['kafka-topics', '--kafka-brokers', '127.0.0.1:1', '--topics-file', '/nonexistent/topics.json']);
    expect(missing.code).toBe(2);
    expect(failure(missing).msg).toContain('cannot read the topic catalogue /nonexistent/topics.json');
    const noBrokers = await runCli(['kafka-topics', '--topics-file', '/x']);
    expect(noBrokers.code).toBe(2);
    expect(noBrokers.stderr).toContain('Missing required argument: kafka-brokers');
  });
});
