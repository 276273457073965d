/**
 * At most HUB_TEST_BROWSERS test files (default: one per core) drive a Chromium at the same time. Each
 * page draws its maps with WebGL in software (SwiftShader, threads on every core), and `npm test` runs four
 * files on two cores. The browser files sort last, so a run ended with four Chromiums and four hubs at once,
 * and pages whose renderer starved waited past 30 s for a frame, a position or a list (the heat map and the
 * wall in CI; the app's GPS form and the desk's queue in a full PostgreSQL run) while passing alone.
 *
 * A slot is a file in the temp folder created exclusively and holding the holder's pid; a file (one ava
 * child process) takes one slot for its whole run and frees it when it exits. A slot whose holder died (a
 * killed run) is taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const DIR = join(tmpdir(), 'hub-test-browser-slots');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function tryTake(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Empty: its holder is between creating and writing it.
    const holder = Number(readFileSync(file, 'utf8') || 0);
    if (holder && holder !== process.pid && !alive(holder)) {
      try {
        unlinkSync(file);
      } catch {
        // another waiter removed it first
      }
    }
    return false;
  }
  process.on('exit', () => {
    try {
      if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
    } catch {
      // gone already
    }
  });
  return true;
}

async function take(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const slots = Number(process.env.HUB_TEST_BROWSERS) || availableParallelism();
  for (;;) {
    for (let i = 0; i < slots; i++) if (tryTake(join(DIR, `slot-${i}`))) return;
    await sleep(250);
  }
}

let held: Promise<void> | undefined;
/** Resolves once this test file holds a browser slot (at once on later calls). */
export const browserSlot = (): Promise<void> => (held ??= take());
