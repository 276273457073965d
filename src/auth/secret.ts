/**
 * The key that signs session tokens: AUTH_SECRET when set, else a random key generated once into
 * DATA_DIR/secret (mode 0600) and reused on every start, so sessions survive a restart. Several hub
 * processes on different machines must share AUTH_SECRET.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makePrivateDir } from '../private-files.ts';

/** Returns the signing key for the given configuration, creating DATA_DIR/secret if needed. */
export async function loadAuthSecret(config: { AUTH_SECRET?: string; DATA_DIR: string }): Promise<Buffer> {
  if (config.AUTH_SECRET) return Buffer.from(config.AUTH_SECRET, 'utf8');
  const file = join(config.DATA_DIR, 'secret');
  makePrivateDir(config.DATA_DIR);
  try {
    // 'wx' fails if the file exists, so two processes starting together never overwrite each other's key.
    await writeFile(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = (await readFile(file, 'utf8')).trim();
  if (key.length < 32) throw new Error(`${file} holds no usable secret; delete it to generate a new one`);
  return Buffer.from(key, 'utf8');
}
