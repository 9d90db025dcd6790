import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { K8sObject } from './chart.js';
import { freePorts } from './ports.js';

/**
 * A real daprd in self-hosted mode (built by scripts/harness/dapr/build.sh) loading the Component
 * manifests as the chart renders them. Only what self-hosted mode needs is adapted: service host
 * names point at the local servers, and Kubernetes Secrets come from a local file secret store
 * named "kubernetes", so that every secretKeyRef resolves unchanged.
 */
export class Daprd {
  private constructor(
    readonly httpPort: number,
    readonly appPort: number,
    private readonly process: ChildProcess,
    readonly exited: Promise<number | null>,
    private readonly output: string[],
  ) {}

  get log(): string {
    return this.output.join('');
  }

  static async start(options: {
    appId: string;
    components: readonly K8sObject[];
    /** Kubernetes Secrets by name, as key-value maps. */
    secrets: Record<string, Record<string, string>>;
    /** In-cluster values in the manifests and their local replacements. */
    substitutions: Record<string, string>;
    appPort: number;
  }): Promise<Daprd> {
    const dir = await mkdtemp(join(tmpdir(), 'learnflow-daprd-'));
    await writeFile(join(dir, 'secrets.json'), JSON.stringify(options.secrets));
    const secretStore = {
      apiVersion: 'dapr.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'kubernetes' },
      spec: {
        type: 'secretstores.local.file',
        version: 'v1',
        metadata: [
          { name: 'secretsFile', value: join(dir, 'secrets.json') },
          { name: 'multiValued', value: 'true' },
        ],
      },
    };
    let manifests = options.components.map((component) => stringify({ ...component, auth: { secretStore: 'kubernetes' } })).join('---\n');
    for (const [inCluster, local] of Object.entries(options.substitutions)) manifests = manifests.replaceAll(inCluster, local);
    await writeFile(join(dir, 'components.yaml'), `${stringify(secretStore)}---\n${manifests}`);

    // Four ports of its own, apart from the app's (free until the app listens, so freePorts may offer it).
    let base = await freePorts(4);
    while (options.appPort >= base && options.appPort < base + 4) base = await freePorts(4);
    const bin = process.env['LEARNFLOW_DAPRD_DIR'];
    if (!bin) throw new Error('LEARNFLOW_DAPRD_DIR is not set: run scripts/install-tools.sh and source scripts/env.sh');
    const child = spawn(join(bin, 'daprd'), [
      '--app-id',
      options.appId,
      '--app-port',
      String(options.appPort),
      '--dapr-http-port',
      String(base),
      '--dapr-grpc-port',
      String(base + 1),
      '--dapr-internal-grpc-port',
      String(base + 2),
      '--metrics-port',
      String(base + 3),
      '--dapr-listen-addresses',
      '127.0.0.1',
      '--resources-path',
      dir,
    ]);
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return new Daprd(base, options.appPort, child, exited, output);
  }

  /** Stops daprd if it still runs; returns its exit code. */
  async stop(): Promise<number | null> {
    if (this.process.exitCode === null) this.process.kill('SIGTERM');
    return this.exited;
  }
}
