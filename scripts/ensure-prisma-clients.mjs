/* global URL, console, process */
// `npm start` and `npm test` on a fresh clone: the Prisma clients under src/generated/ are git-ignored,
// so generate them when they are missing or older than their schema (a pulled model change). Run as the
// pre-step of both commands rather than at install, so a plain `npm ci` stays a pure, reproducible
// install. Plain JavaScript so the check costs no TypeScript start-up.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const mtime = (path) => statSync(new URL(path, root)).mtimeMs;
const stale = ['sqlite', 'postgres'].filter((db) => {
  const client = `src/generated/${db}/client.ts`;
  return !existsSync(new URL(client, root)) || mtime(client) < mtime(`prisma/${db}/schema.prisma`);
});
if (stale.length > 0) {
  console.error(`Generating the Prisma clients (missing or stale: ${stale.join(', ')}) …`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', '--silent', 'db:generate'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
