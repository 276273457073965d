/**
 * Plain JavaScript: the engine's worker thread inherits `--import` but not tsx's loader.
 *
 * Loaded into the soak's hub with `--import` (bench/soak.ts): every SOAK_MEMORY_SECONDS (default 10) each
 * thread — the main thread and, since workers inherit the flag, the engine's — appends one JSON line
 * `{ pid, thread, at, rss, heapUsed, heapTotal, external, arrayBuffers }` (bytes, `at` in ms) to
 * SOAK_MEMORY_FILE. The soak cannot read a child's V8 heap from outside, and RSS alone mixes the heap with
 * the allocator's retained pages, so a growing heap and a merely high RSS look alike there.
 */
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { threadId } from 'node:worker_threads';

const file = process.env.SOAK_MEMORY_FILE;
if (file) {
  const everyMs = Number(process.env.SOAK_MEMORY_SECONDS ?? '10') * 1000;
  const sample = () => {
    const m = process.memoryUsage();
    const line = {
      pid: process.pid,
      thread: threadId,
      at: Date.now(),
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    };
    try {
      appendFileSync(file, JSON.stringify(line) + '\n');
    } catch {
      // the soak's folder is gone (it ended): nothing to record
    }
  };
  setInterval(sample, everyMs).unref();
}
