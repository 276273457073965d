/* global URL, console, process */
// `npm start` and `npm test` on a fresh clone: admin-ui/dist is git-ignored, so build the admin UI when
// it is missing or older than its sources (admin-ui/, the lint rules, element templates and role list it
// bundles, the lockfile). Builds into a temporary folder and renames it into place, so two runs at once
// (test files starting in parallel) never serve a half-written build. Plain JavaScript: no TypeScript
// start-up.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const dist = `${root}admin-ui/dist`;
const stamp = `${dist}/index.html`;
const sources = [
  'admin-ui/src',
  'admin-ui/app',
  'admin-ui/index.html',
  'admin-ui/vite.config.ts',
  'processes/.bpmnlintrc',
  'processes/element-templates',
  'adapters',
  'src/auth/roles.ts',
  'package-lock.json',
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    max = Math.max(max, newest(`${path}/${entry}`));
  }
  return max;
}

const force = process.argv.includes('--force');
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const changed = Math.max(...sources.map((s) => newest(`${root}${s}`)));
if (!force && built > changed) process.exit(0);

console.error('Building the admin UI (admin-ui/dist) …');
const tmp = `${root}admin-ui/.dist-${process.pid}`;
const result = spawnSync(
  process.execPath,
  [
    `${root}node_modules/vite/bin/vite.js`,
    'build',
    '--config',
    `${root}admin-ui/vite.config.ts`,
    '--outDir',
    tmp,
    '--logLevel',
    'warn',
  ],
  // A production build whoever runs it: ava sets NODE_ENV=test, which would give lit's development build.
  // eslint-disable-next-line no-restricted-properties -- the child's environment, not the hub's configuration
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
);
if (result.status !== 0) {
  rmSync(tmp, { recursive: true, force: true });
  process.exit(result.status ?? 1);
}
const old = `${root}admin-ui/.dist-old-${process.pid}`;
try {
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(tmp, dist);
} catch (err) {
  // Another run put its build in place between our two renames: theirs is as new as ours.
  if (!existsSync(stamp)) throw err;
}
rmSync(old, { recursive: true, force: true });
rmSync(tmp, { recursive: true, force: true });
