// The `clock` of GET /api/cases and GET /api/cases/:id: the running step's deadline, the time left on
// the work calendar (default shifts 08:30–12:00, 13:30–17:30 Asia/Shanghai) or in natural time, the
// step's limit and green/yellow/red (DEADLINE_WARN_FRACTION 0.8), at an API clock pinned to
// Wednesday 2026-11-25 09:00 in the city (a working day).
import test from 'ava';
import type { CaseStatus, CaseStep, TimeMode } from '../src/db/index.ts';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';
import { at } from './helpers/cases.ts';

let hub: TestApi;
let token = '';
const NOW = at('2026-11-25 09:00');

interface Fixture {
  no: string;
  status: CaseStatus;
  deadline?: { column: 'verifyDeadline' | 'signDeadline' | 'disposeDeadline' | 'checkDeadline'; at: Date };
}

const LIMITS: { step: CaseStep; limitMinutes: number; timeMode: TimeMode }[] = [
  { step: 'verify', limitMinutes: 480, timeMode: 'working' },
  { step: 'sign', limitMinutes: 60, timeMode: 'working' },
  { step: 'dispose', limitMinutes: 240, timeMode: 'working' },
  { step: 'check', limitMinutes: 1440, timeMode: 'natural' },
];

const CASES: Fixture[] = [
  // 60 working minutes left of 60: green
  { no: 'C1', status: 'dispatched', deadline: { column: 'signDeadline', at: at('2026-11-25 10:00') } },
  // 15 working minutes past: red, negative
  { no: 'C2', status: 'dispatched', deadline: { column: 'signDeadline', at: at('2026-11-25 08:45') } },
  // 30 left of 240, under the 20 % the warning leaves: yellow
  { no: 'C3', status: 'signed', deadline: { column: 'disposeDeadline', at: at('2026-11-25 10:00') } },
  // overnight: 180 + 240 + 30 working minutes until Thursday 09:00
  { no: 'C4', status: 'verifying', deadline: { column: 'verifyDeadline', at: at('2026-11-26 09:00') } },
  // natural limit, 12 hours past
  { no: 'C5', status: 'checking', deadline: { column: 'checkDeadline', at: at('2026-11-24 21:00') } },
  // no running step
  { no: 'C6', status: 'registered' },
  { no: 'C7', status: 'closed', deadline: { column: 'disposeDeadline', at: at('2026-11-20 10:00') } },
];
const ids: Record<string, string> = {};

test.before(async () => {
  hub = await startTestApi({ now: () => NOW, env: { DEADLINE_WARN_FRACTION: '0.8' } });
  token = (await hub.auth.issueSession(await createUser(hub.db, { username: 'disp', roles: ['dispatcher'] })))
    .token;
  const { prisma } = hub.db;
  const category = await prisma.category.create({
    data: { kind: 'event', code: '0102', majorCode: '01', majorName: '市容环境', name: '暴露垃圾' },
  });
  await prisma.categoryLimit.createMany({
    data: LIMITS.map((l) => ({ ...l, categoryId: category.id, urgency: 'normal' as const })),
  });
  for (const [i, c] of CASES.entries()) {
    const row = await prisma.case.create({
      data: {
        caseNo: `RG-2026-00000${i + 1}`,
        source: 'supervisor',
        categoryCode: '0102',
        status: c.status,
        description: c.no,
        reportedAt: at('2026-11-24 08:00'),
        ...(c.deadline ? { [c.deadline.column]: c.deadline.at } : {}),
      },
    });
    ids[c.no] = row.id;
  }
});
test.after.always(async () => hub?.close());

const clockOf = (step: string, dueAt: Date, left: number, limit: number, mode: string, state: string) => ({
  step,
  dueAt: dueAt.toISOString(),
  remainingWorkingMinutes: left,
  limitMinutes: limit,
  timeMode: mode,
  state,
});

const EXPECTED: Record<string, unknown> = {
  C1: clockOf('sign', at('2026-11-25 10:00'), 60, 60, 'working', 'green'),
  C2: clockOf('sign', at('2026-11-25 08:45'), -15, 60, 'working', 'red'),
  C3: clockOf('dispose', at('2026-11-25 10:00'), 60, 240, 'working', 'green'),
  C4: clockOf('verify', at('2026-11-26 09:00'), 450, 480, 'working', 'green'),
  C5: clockOf('check', at('2026-11-24 21:00'), -720, 1440, 'natural', 'red'),
  C6: null,
  C7: null,
};

test.serial('the list gives each case the clock of its running step, and the detail the same', async (t) => {
  const list = await call(hub.base, 'GET', '/api/cases?limit=50', { token });
  t.is(list.status, 200);
  const clocks = Object.fromEntries(
    (list.body.items as { description: string; clock: unknown }[]).map((c) => [c.description, c.clock]),
  );
  t.deepEqual(clocks, EXPECTED);
  for (const no of ['C2', 'C4', 'C6']) {
    const one = await call(hub.base, 'GET', `/api/cases/${ids[no]}`, { token });
    t.is(one.status, 200);
    t.deepEqual(one.body.clock, EXPECTED[no]);
  }
});

test.serial('yellow from DEADLINE_WARN_FRACTION of the limit used', async (t) => {
  // C3 with 30 of 240 working minutes left: 87.5 % used.
  await hub.db.prisma.case.update({
    where: { id: ids.C3! },
    data: { disposeDeadline: at('2026-11-25 09:30') },
  });
  const found = await call(hub.base, 'GET', '/api/cases?status=signed', { token });
  t.is(found.status, 200);
  t.deepEqual(
    found.body.items.map((c: { clock: unknown }) => c.clock),
    [clockOf('dispose', at('2026-11-25 09:30'), 30, 240, 'working', 'yellow')],
  );
});
