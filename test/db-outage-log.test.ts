// A background pass's failures while the database is away: the outage logged at warn once per episode
// (not error on every attempt, which drowned real errors), its end at info; any other error at error.
import test from 'ava';
import { Writable } from 'node:stream';
import { passFailureLog } from '../src/db/outage-log.ts';
import { createLogger } from '../src/log.ts';
import { unreachablePostgres } from './helpers/db.ts';

test('an outage is one warn line per episode and an info line at its end; other errors stay at error', async (t) => {
  // PostgreSQL on a port where nothing listens: what a pass meets while the server restarts.
  const { db: away } = await unreachablePostgres();
  t.teardown(() => away.prisma.$disconnect());
  const outage = await away.prisma.case.count().catch((err: unknown) => err);
  t.true(outage instanceof Error);

  const lines: { level: number; msg: string; adapter?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as (typeof lines)[number]);
      done();
    },
  });
  let clock = 1_000_000;
  const failures = passFailureLog(createLogger('info', sink), 'outbox pass', () => clock);
  const flush = () => new Promise((r) => setImmediate(r));

  for (let i = 0; i < 5; i++) failures.failed(outage, { adapter: 'hotline' });
  failures.failed(new TypeError("Cannot read properties of undefined (reading 'caseId')"));
  clock += 30_000;
  failures.succeeded();
  failures.succeeded();
  failures.failed(outage);
  await flush();

  t.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [
      [40, 'outbox pass failed: the database cannot be reached just now; retried quietly until it is back'],
      [50, 'outbox pass failed'],
      [30, 'outbox pass: the database is back'],
      [40, 'outbox pass failed: the database cannot be reached just now; retried quietly until it is back'],
    ],
  );
  t.is(lines[0]!.adapter, 'hotline');
  t.like(lines[2], { failedPasses: 5, outageMs: 30_000 });
});
