// The adapter framework's parts on a real database, without an engine: the webhook signature, the
// back-off (leases: test/db-lease.test.ts), the outbox (order per case, retries, dead letters that block
// their case, replay), the hotline.notify job with its element template, and the MQTT subscription's order
// through the real broker (127.0.0.1:1883).
import test from 'ava';
import mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHotlineAdapter, type HotlineTransport } from '../adapters/hotline/index.ts';
import {
  backoffDelay,
  createLeases,
  createOutbox,
  PermanentDeliveryError,
  sign,
  subscribeMqtt,
  verify,
  type OutboxSettings,
} from '../adapters/framework/index.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { createTestDb, type TestDb } from './helpers/db.ts';
import { insertCase, insertReference, job, workerDeps } from './helpers/workers.ts';

let tdb: TestDb;
test.before(async () => {
  tdb = await createTestDb();
  await insertReference(tdb.db);
});
test.after.always(() => tdb?.drop());

const logger = createLogger('silent');

test('signature: HMAC-SHA256 over timestamp and body, within the replay window only', (t) => {
  const body = Buffer.from('{"a":1}');
  const now = 1_800_000_000_000;
  const ts = now / 1000;
  const good = { timestamp: String(ts), signature: sign('k'.repeat(20), ts, body) };
  const opts = { toleranceSeconds: 300, now };
  t.is(verify('k'.repeat(20), good, body, opts), null);
  t.is(verify('x'.repeat(20), good, body, opts), 'signature does not match');
  t.is(verify('k'.repeat(20), good, Buffer.from('{"a":2}'), opts), 'signature does not match');
  t.regex(verify('k'.repeat(20), good, body, { ...opts, now: now + 301_000 })!, /replay window/);
  t.regex(verify('k'.repeat(20), { ...good, signature: undefined }, body, opts)!, /missing/);
  t.regex(verify('k'.repeat(20), { ...good, timestamp: '12a' }, body, opts)!, /unix seconds/);
  t.is(verify('k'.repeat(20), { ...good, signature: 'sha256=00' }, body, opts), 'signature does not match');
});

test('back-off doubles per attempt up to the cap, with equal jitter', (t) => {
  const s = { backoffMs: 1000, maxBackoffMs: 8000 };
  t.deepEqual(
    [1, 2, 3, 4, 5].map((a) => backoffDelay(a, s, () => 0)),
    [500, 1000, 2000, 4000, 4000],
  );
  t.deepEqual(
    [1, 2, 3, 4, 5].map((a) => backoffDelay(a, s, () => 1)),
    [1000, 2000, 4000, 8000, 8000],
  );
});

const settings: OutboxSettings = {
  maxAttempts: 3,
  backoffMs: 10,
  maxBackoffMs: 20,
  intervalMs: 50,
  concurrency: 4,
  claimMs: 60_000,
  leaseMs: 5000,
};

test('outbox: in order per case, retried with back-off, dead after the attempts, blocking its case until replayed', async (t) => {
  const { prisma } = tdb.db;
  const c1 = await insertCase(tdb.db);
  const c2 = await insertCase(tdb.db);
  const sent: string[] = [];
  const failing = new Map<string, number>([['c1-b', 2]]); // fails twice, then goes
  const refused = new Set(['c2-a']);
  const outbox = createOutbox({
    db: tdb.db,
    logger,
    now: () => new Date(),
    settings,
    leases: createLeases(tdb.db, 'outbox-test', () => new Date()),
    senders: new Map([
      [
        'unit',
        async (row) => {
          const tag = (row.payload as { tag: string }).tag;
          if (refused.has(tag)) throw new PermanentDeliveryError(`${tag} refused`);
          const left = failing.get(tag) ?? 0;
          if (left > 0) {
            failing.set(tag, left - 1);
            throw new Error(`${tag} failed`);
          }
          sent.push(tag);
        },
      ],
    ]),
  });
  const base = Date.now() - 60_000;
  for (const [i, [caseId, tag]] of (
    [
      [c1.id, 'c1-a'],
      [c2.id, 'c2-a'],
      [c1.id, 'c1-b'],
      [c2.id, 'c2-b'],
      [c1.id, 'c1-c'],
    ] as const
  ).entries())
    await prisma.$transaction((tx) =>
      outbox.enqueue(tx, {
        adapter: 'unit',
        kind: 'k',
        caseId,
        payload: { tag },
        dedupeKey: `t:${tag}`,
        createdAt: new Date(base + i),
      }),
    );
  // Enqueueing again with the same key changes nothing.
  await prisma.$transaction((tx) =>
    outbox.enqueue(tx, {
      adapter: 'unit',
      kind: 'k',
      caseId: c1.id,
      payload: { tag: 'dup' },
      dedupeKey: 't:c1-a',
    }),
  );
  t.is(await prisma.outboxMessage.count({ where: { adapter: 'unit' } }), 5);

  outbox.start();
  t.teardown(() => outbox.stop());
  const until = async (what: string, check: () => Promise<boolean> | boolean) => {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
    if (!(await check())) throw new Error(`timed out: ${what}`);
  };
  await until('case 1 delivered', () => sent.includes('c1-c'));
  t.deepEqual(
    sent.filter((s) => s.startsWith('c1')),
    ['c1-a', 'c1-b', 'c1-c'],
  );
  const b = await prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: 't:c1-b' } });
  t.like(b, { status: 'delivered', attempts: 3, lastError: null });
  // Case 2: its first message was refused (dead at once) and holds back the second.
  const dead = await prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: 't:c2-a' } });
  t.like(dead, { status: 'dead', attempts: 1, lastError: 'c2-a refused' });
  t.is((await prisma.outboxMessage.findUniqueOrThrow({ where: { dedupeKey: 't:c2-b' } })).status, 'pending');
  t.false(sent.includes('c2-b'));
  refused.clear();
  t.is(await outbox.replay('unit', dead.id), 1);
  await until('case 2 delivered', () => sent.includes('c2-b'));
  t.deepEqual(
    sent.filter((s) => s.startsWith('c2')),
    ['c2-a', 'c2-b'],
  );
  // Failing every attempt: dead after maxAttempts.
  failing.set('c3', 99);
  const c3 = await insertCase(tdb.db);
  await prisma.$transaction((tx) =>
    outbox.enqueue(tx, { adapter: 'unit', kind: 'k', caseId: c3.id, payload: { tag: 'c3' } }),
  );
  outbox.kick();
  await until(
    'c3 dead',
    async () => (await prisma.outboxMessage.count({ where: { caseId: c3.id, status: 'dead' } })) === 1,
  );
  t.like(await prisma.outboxMessage.findFirstOrThrow({ where: { caseId: c3.id } }), {
    attempts: 3,
    lastError: 'c3 failed',
  });
});

const { validateZeebe } = createRequire(import.meta.url)('@bpmn-io/element-templates-validator') as {
  validateZeebe(template: unknown): { valid: boolean; errors: unknown[] | null };
};

test('hotline.notify: a valid element template with the inputs the handler reads; the handler queues once per job', async (t) => {
  const template = JSON.parse(
    readFileSync(
      new URL('../adapters/hotline/element-templates/hotline.notify.json', import.meta.url),
      'utf8',
    ),
  ) as {
    properties: {
      binding: { type: string; name?: string; property?: string; source?: string };
      value?: string;
    }[];
  };
  const { valid, errors } = validateZeebe(template);
  t.deepEqual(errors ?? [], []);
  t.true(valid);
  const transport = {} as HotlineTransport;
  const adapter = createHotlineAdapter({
    db: tdb.db,
    logger,
    config: loadConfig({}),
    now: () => new Date(),
    transport,
    webhookSecret: 'x'.repeat(20),
    pollIntervalMs: 60_000,
    feedIntervalMs: 1000,
  });
  const jobType = template.properties.find((p) => p.binding.property === 'type')!.value!;
  t.deepEqual(Object.keys(adapter.sends.jobs ?? {}), [jobType]);
  t.deepEqual(
    template.properties.filter((p) => p.binding.type === 'zeebe:input').map((p) => p.binding.name),
    ['caseId', 'notice', 'text'],
  );
  t.deepEqual(
    template.properties.filter((p) => p.binding.type === 'zeebe:output').map((p) => p.binding.source),
    ['=hotlineNotified'],
  );
  const handler = adapter.sends.jobs![jobType]!;
  const deps = workerDeps(tdb.db);
  const hotline = await insertCase(tdb.db, { source: 'hotline', sourceRef: '12319-X-1' });
  const other = await insertCase(tdb.db, { source: 'supervisor' });
  const j = job(jobType, { caseId: hotline.id, notice: 'reply', text: '已转供水公司处理' });
  t.deepEqual(await handler(j, deps), { action: 'complete', variables: { hotlineNotified: true } });
  t.deepEqual(await handler(j, deps), { action: 'complete', variables: { hotlineNotified: true } });
  const rows = await tdb.db.prisma.outboxMessage.findMany({
    where: { caseId: hotline.id, adapter: 'hotline' },
  });
  t.is(rows.length, 1);
  t.like(rows[0], {
    kind: 'reply',
    payload: { ticketNo: '12319-X-1', result: 'notice', text: '已转供水公司处理' },
  });
  t.deepEqual(await handler(job(jobType, { caseId: other.id, text: 'x' }), deps), {
    action: 'complete',
    variables: { hotlineNotified: false },
  });
  const noText = await handler(job(jobType, { caseId: hotline.id, text: ' ' }), deps);
  t.like(noText, { action: 'fail', retries: 0 });
});

test('MQTT subscription: one message at a time in arrival order; a failed one is handled again before the next', async (t) => {
  const url = 'mqtt://127.0.0.1:1883';
  const run = randomBytes(4).toString('hex');
  const topic = `test-${run}/framework/readings`;
  const calls: string[] = [];
  const stored: string[] = [];
  let running = 0;
  let mostAtOnce = 0;
  let brokerHiccup = true;
  const sub = await subscribeMqtt({
    url,
    clientId: `hub-framework-${run}`,
    topics: [topic],
    async onMessage(_topic, payload) {
      const m = payload.toString('utf8');
      calls.push(m);
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      try {
        // Long enough for the broker to send the next messages while this one is handled.
        await new Promise((r) => setTimeout(r, 150));
        if (m === 'a' && brokerHiccup) {
          brokerHiccup = false;
          throw new Error('database unreachable');
        }
        stored.push(m);
      } finally {
        running -= 1;
      }
    },
  });
  const device = await mqtt.connectAsync(url, { clientId: `device-${run}` });
  t.teardown(async () => {
    await device.endAsync();
    await sub.close();
  });
  for (const m of ['a', 'b', 'c']) await device.publishAsync(topic, m, { qos: 1 });
  const deadline = Date.now() + 20_000;
  while (stored.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(stored, ['a', 'b', 'c']);
  t.deepEqual(calls, ['a', 'a', 'b', 'c'], 'b waited for the redelivery of a');
  t.is(mostAtOnce, 1);
  t.true(sub.connected());
});
