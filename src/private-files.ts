/**
 * The hub's data on disk (DATA_DIR, the SQLite files of the case store and of the engine, the generated
 * secret and demo password) holds citizens' reports and the key that signs sessions: it is for the hub's
 * own user alone. What the hub creates it creates private (folders 0700, files 0600, whatever the umask);
 * what it finds looser at start is tightened, reported or refused, as HUB_DATA_PERMISSIONS says.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';

export type DataPermissions = Config['HUB_DATA_PERMISSIONS'];

export interface PrivatePath {
  path: string;
  kind: 'dir' | 'file';
}

/** Creates a folder (and its missing parents) readable by the hub's user only. */
export function makePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
}

/**
 * Creates an empty file readable by the hub's user only, unless it exists. Made before SQLite opens it:
 * SQLite keeps an existing file's mode and gives its -wal and -shm files the same.
 */
export function makePrivateFile(path: string): void {
  makePrivateDir(dirname(path));
  closeSync(openSync(path, 'a', 0o600));
}

/** The file of a SQLite URL (file:<path>), or undefined for another database or an in-memory one. */
function sqliteFile(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  const path = url.slice('file:'.length);
  return path === ':memory:' ? undefined : path;
}

const inside = (dir: string, path: string) => {
  const rel = relative(resolve(dir), resolve(path));
  return !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * The paths the hub (and, with `engine`, the embedded engine) keeps its data in. A database's folder
 * counts only inside DATA_DIR: a file elsewhere may sit in a folder the hub does not own.
 */
export function dataPaths(
  config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL' | 'ENGINE_DATABASE_URL'>,
  { hub, engine }: { hub: boolean; engine: boolean },
): PrivatePath[] {
  const paths: PrivatePath[] = [];
  const databases = [hub ? config.DATABASE_URL : undefined, engine ? config.ENGINE_DATABASE_URL : undefined];
  if (hub) {
    paths.push({ path: config.DATA_DIR, kind: 'dir' });
    for (const name of ['secret', 'demo-password'])
      paths.push({ path: join(config.DATA_DIR, name), kind: 'file' });
  }
  for (const file of databases.map((url) => (url ? sqliteFile(url) : undefined))) {
    if (!file) continue;
    if (inside(config.DATA_DIR, dirname(file))) paths.push({ path: dirname(file), kind: 'dir' });
    for (const suffix of ['', '-wal', '-shm', '-journal']) paths.push({ path: file + suffix, kind: 'file' });
  }
  return paths;
}

const octal = (mode: number) => '0' + mode.toString(8);

/** Thrown at start with HUB_DATA_PERMISSIONS=refuse; the message names every path and its mode. */
export class LoosePermissionsError extends Error {
  constructor(readonly loose: { path: string; mode: number }[]) {
    super(
      'Other users can read the hub’s data (HUB_DATA_PERMISSIONS=refuse):\n' +
        loose.map((l) => `  ${l.path} is ${octal(l.mode)}; chmod go-rwx ${l.path}`).join('\n'),
    );
    this.name = 'LoosePermissionsError';
  }
}

/**
 * Checks the paths that exist: one that group or others may use is tightened to its owner's bits (fix),
 * reported (warn), or stops the start (refuse) — each named in the log or the error.
 */
export function checkPrivatePaths(paths: PrivatePath[], policy: DataPermissions, log: Logger): void {
  const loose: { path: string; mode: number }[] = [];
  for (const { path } of paths) {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if ((mode & 0o077) !== 0) loose.push({ path, mode });
  }
  if (loose.length === 0) return;
  if (policy === 'refuse') throw new LoosePermissionsError(loose);
  for (const { path, mode } of loose) {
    if (policy === 'fix') {
      chmodSync(path, mode & 0o700);
      log.warn(
        { path, was: octal(mode), now: octal(mode & 0o700) },
        `${path} was ${octal(mode)} (other users could read the hub's data): now ${octal(mode & 0o700)}`,
      );
    } else {
      log.warn(
        { path, mode: octal(mode) },
        `${path} is ${octal(mode)}: other users can read the hub's data; chmod go-rwx ${path}`,
      );
    }
  }
}
