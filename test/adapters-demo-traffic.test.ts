// Demo mode (SIMULATORS=true, `npm start`): the simulators produce traffic on their own, and it reaches
// the hub the real way — a 12319 ticket by signed webhook, a video alarm by signed webhook, a full bin
// over the MQTT broker (mqtt://127.0.0.1:1883, like test/adapters-sanitation.test.ts) — so a fresh
// machine shows cases appearing. Here every 0.2–0.5 s instead of 20–60 s. A utility crew's progress is
// played against a utility simulator directly (its orders only come from a dispatch). The interval
// setting: default, off under the test runner, bad values named.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventInterval, startDemoTraffic } from '../adapters/demo-traffic.ts';
import { startUtilitySimulator } from '../adapters/utilities/simulator/index.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { at, startScenarioHub, until } from './helpers/scenario-hub.ts';

test('demo mode makes cases from hotline tickets, video alarms and full bins through the adapters', async (t) => {
  t.timeout(180_000);
  const s = await startScenarioHub(at('2026-10-16 09:00'), {
    SIMULATORS: 'true',
    SIMULATOR_EVENT_SECONDS: '0.2-0.5',
    HOTLINE_SIMULATOR_PORT: '0',
    SANITATION_TOPIC_PREFIX: `test-${randomBytes(4).toString('hex')}/sanitation`,
    SANITATION_DEBOUNCE_SECONDS: '60',
  });
  t.teardown(() => s.close());
  const { prisma } = s.hub.db;
  const sourcesSeen = async () =>
    new Set<string>((await prisma.case.findMany({ select: { source: true } })).map((c) => c.source));
  await until(
    'a case from each simulated system',
    async () => {
      const seen = await sourcesSeen();
      return ['hotline', 'video', 'sanitation'].every((src) => seen.has(src)) || null;
    },
    120_000,
  );
  // Each came in through its adapter's inbox (the real path), not straight into the case table.
  const inbox = await prisma.inboxEvent.groupBy({
    by: ['adapter'],
    where: { status: 'processed' },
    _count: true,
  });
  t.deepEqual(
    inbox
      .map((i) => i.adapter)
      .filter((a) => ['hotline', 'video', 'sanitation'].includes(a))
      .sort(),
    ['hotline', 'sanitation', 'video'],
  );
  const ticket = s.hub.adapters.hotlineSimulator!.tickets[0]!;
  t.like(await prisma.case.findFirst({ where: { source: 'hotline', sourceRef: ticket.ticketNo } }), {
    categoryCode: ticket.category.code,
    address: ticket.location.address,
  });
  t.truthy(
    await prisma.case.findFirst({
      where: { source: 'sanitation', description: { startsWith: '垃圾桶满溢' } },
    }),
  );
});

test('a utility crew moves each open work order on: 签收, 处置中, 处置完成 with a photo; the power company by CSV', async (t) => {
  const water = await startUtilitySimulator('water');
  const power = await startUtilitySimulator('power');
  const csvDir = await mkdtemp(join(tmpdir(), 'demo-power-'));
  t.teardown(async () => {
    await water.close();
    await power.close();
    await rm(csvDir, { recursive: true, force: true });
  });
  const order = (sim: typeof water, orderNo: string) =>
    fetch(`${sim.url}/api/work-orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        orderNo,
        caseNo: `RG-2026-${orderNo}`,
        category: '0402 自来水管破裂',
        description: '漏水',
      }),
    });
  t.is((await order(water, '000001')).status, 201);
  const traffic = startDemoTraffic({
    interval: { minMs: 3_600_000, maxMs: 3_600_000 },
    sources: () => ({ utilities: [{ sim: water }, { sim: power, csvDir }] }),
    logger: createLogger('silent'),
    debounceSeconds: 600,
  });
  t.teardown(() => traffic.stop());
  for (let i = 0; i < 3; i++) await traffic.tick('utility');
  t.deepEqual(
    water.changes.map((c) => [c.orderNo, c.code, c.photoUrl !== null]),
    [
      ['000001', '10', false],
      ['000001', '20', false],
      ['000001', '30', true],
    ],
  );
  t.is(await traffic.tick('utility'), null, 'nothing left to move on');
  t.is((await order(power, '000002')).status, 201);
  t.regex((await traffic.tick('utility'))!, /国网如皋市供电公司 order RG-2026-000002 → 签收/);
  const [file] = await readdir(csvDir);
  t.regex(
    await readFile(join(csvDir, file!), 'utf8'),
    /^流水号,工单号,状态,时间,说明,照片\r?\n.*,000002,签收,/,
  );
});

test('SIMULATOR_EVENT_SECONDS: a range or a fixed time; off by default under the test runner; bad values named', (t) => {
  t.is(loadConfig({}).SIMULATOR_EVENT_SECONDS, 'off');
  t.is(parseEventInterval('off'), null);
  t.deepEqual(parseEventInterval('20-60'), { minMs: 20_000, maxMs: 60_000 });
  t.deepEqual(parseEventInterval('30'), { minMs: 30_000, maxMs: 30_000 });
  t.deepEqual(parseEventInterval(loadConfig({ SIMULATOR_EVENT_SECONDS: '0.5-2' }).SIMULATOR_EVENT_SECONDS), {
    minMs: 500,
    maxMs: 2000,
  });
  for (const bad of ['often', '60-20', '0'])
    t.regex(
      t.throws(() => loadConfig({ SIMULATOR_EVENT_SECONDS: bad }), { instanceOf: ConfigError })!.message,
      /SIMULATOR_EVENT_SECONDS: expected /,
      bad,
    );
});
