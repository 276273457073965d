/* global URL, console, process */
// `npm start` on a fresh clone: the Prisma clients under src/generated/ are git-ignored, so generate
// them once when they are missing. Plain JavaScript so the check costs no TypeScript start-up.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const missing = ['sqlite', 'postgres'].filter(
  (db) => !existsSync(new URL(`src/generated/${db}/client.ts`, root)),
);
if (missing.length > 0) {
  console.error(`Generating the Prisma clients (missing: ${missing.join(', ')}) …`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', '--silent', 'db:generate'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
