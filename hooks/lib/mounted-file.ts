import { readFile } from 'node:fs/promises';
import { ActionableError, ExitCode } from '../../common/errors.js';

/** A file the Job mounts from a Secret (or the ServiceAccount's token mount): a password, a token, a CA. */
export interface MountedFile {
  /** What it holds, as messages name it: "the Kafka SASL password file". */
  what: string;
  path: string;
  /** Where the Job mounts it from: "Secret learnflow-credentials, key password". */
  from: string;
  /** What to check there, when it is not a Secret's key. */
  check?: string;
}

/** The file's text, trimmed; undefined when it is not there (a key the Secret may lack). */
export async function readMountedFile(file: MountedFile): Promise<string | undefined> {
  try {
    return (await readFile(file.path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(file, error);
  }
}

/** The file's text, trimmed; an error naming the file and where it comes from when it cannot be read. */
export async function requireMountedFile(file: MountedFile): Promise<string> {
  try {
    return (await readFile(file.path, 'utf8')).trim();
  } catch (error) {
    throw unreadable(file, error);
  }
}

function unreadable(file: MountedFile, error: unknown): ActionableError {
  const cause = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new ActionableError(
    `cannot read ${file.what} ${file.path}: ${cause}`,
    `the Job mounts it from ${file.from}: check that ${file.check ?? 'the Secret and its key exist'}`,
    [],
    ExitCode.invalidInput,
  );
}
