/**
 * A stopped hub lets its process exit: nothing it started (workers' long polls, relays, schedulers,
 * adapters, engine, database pools) keeps the event loop alive after stop(). Before closeWorker
 * (src/zeebe.ts) every process waited ~30 s after stop() for the SDK's long-poll timers, and every test
 * file with a hub paid it. Runs bench/hub-stop.ts (a whole hub with demo data on the database HUB_TEST_DB
 * names, started, idle with its polls open, stopped) in a child process and reads its figures.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));

test('a stopped hub exits without waiting for its long polls (30 s)', async (t) => {
  const db = process.env.HUB_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/hub-stop.ts', '--db', db], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  t.is(code, 0, stderr.slice(-2000));
  const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    stopMs: number;
    exitAfterStopMs: number;
  };
  t.log(figures);
  // The workers poll with the hub's default 30 s long poll; the SDK's timers would hold the process
  // 31 s. What may remain are the SDK's 3 s readiness timers, so 15 s leaves room for a loaded machine.
  t.true(figures.exitAfterStopMs < 15_000, `process exited ${figures.exitAfterStopMs} ms after stop()`);
});
