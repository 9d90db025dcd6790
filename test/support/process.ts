// The suite runs tools with the deploy command's own runner (deploy/tools/process.ts); only what a
// missing tool means differs: here, the suite's tools were not installed.
import { ActionableError } from '../../common/errors.js';
import { run as runTool, type Finished, type RunOptions } from '../../deploy/tools/process.js';

export type { Finished };

/** Runs a command to completion and returns what it printed; never throws on a non-zero exit. */
export async function run(command: string, args: readonly string[], options: Omit<RunOptions, 'signal'> = {}): Promise<Finished> {
  try {
    return await runTool(command, args, options);
  } catch (error) {
    if (error instanceof ActionableError) {
      throw new Error(`${command} is not on PATH: run scripts/install-tools.sh and source scripts/env.sh (or bash .ci/run)`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Like run, but fails with everything the command printed when it exits non-zero. */
export async function runOk(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<Finished> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}
