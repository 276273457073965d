// The deadline worker keeps the work calendar and the category limits in memory between jobs
// (src/reference/generation.ts): an administrator's change through the API must still apply to the very
// next deadline. Real case store (HUB_TEST_DB), real HTTP admin API, the worker handler as a function.
import test from 'ava';
import { HANDLERS } from '../workers/index.ts';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';
import { insertCase, insertReference, job, REF, workerDeps } from './helpers/workers.ts';

let api: TestApi;
let admin: string;
let deps: ReturnType<typeof workerDeps>;

test.before(async () => {
  api = await startTestApi({ env: { LOG_LEVEL: 'silent' } });
  await insertReference(api.db);
  const adminId = await createUser(api.db, { username: 'admin', roles: ['administrator'] });
  admin = (await api.auth.issueSession(adminId)).token;
  // No calendar given: the worker reads the one in the case store (what the hub does).
  deps = { ...workerDeps(api.db), calendar: undefined };
});
test.after.always(async () => {
  deps?.mailer.close();
  await api?.close();
});

/** The sign-for deadline (签收时限) of a new dispatched case, computed at 2026-11-25 09:00 (a Wednesday). */
async function signDeadline() {
  const c = await insertCase(api.db, { status: 'dispatched', departmentId: REF.sanitation });
  const outcome = await HANDLERS['hub.deadlines.compute']!(
    job('hub.deadlines.compute', { caseId: c.id, deadlineKind: 'sign' }),
    deps,
  );
  return outcome.action === 'complete' ? outcome.variables.dueAt : outcome;
}

test.serial('limits and calendar changed through the admin API apply to the next deadline', async (t) => {
  // 60 working minutes (the seeded limit of 0102 暴露垃圾, normal urgency).
  t.is(await signDeadline(), '2026-11-25T10:00:00+08:00');
  t.is(await signDeadline(), '2026-11-25T10:00:00+08:00');

  const category = await api.db.prisma.category.findUniqueOrThrow({
    where: { kind_code: { kind: 'event', code: '0102' } },
  });
  const limits = await call(api.base, 'PUT', `/api/categories/${category.id}/limits`, {
    token: admin,
    body: {
      limits: [
        { urgency: 'normal', step: 'sign', limitMinutes: 120, timeMode: 'working' },
        { urgency: 'normal', step: 'dispose', limitMinutes: 240, timeMode: 'working' },
      ],
    },
  });
  t.is(limits.status, 200);
  t.is(await signDeadline(), '2026-11-25T11:00:00+08:00');

  // The day becomes a holiday: 120 working minutes from the next working day's 08:30.
  const holiday = await call(api.base, 'PUT', '/api/calendar/days/2026-11-25', {
    token: admin,
    body: { kind: 'holiday', note: '临时停工' },
  });
  t.is(holiday.status, 200);
  t.is(await signDeadline(), '2026-11-26T10:30:00+08:00');

  // Removed again: the ordinary Wednesday.
  t.is((await call(api.base, 'DELETE', '/api/calendar/days/2026-11-25', { token: admin })).status, 204);
  t.is(await signDeadline(), '2026-11-25T11:00:00+08:00');

  // The standard shifts: a morning shift alone, 09:00–09:30 (30 min) then the next day from 08:00.
  const shifts = await call(api.base, 'PUT', '/api/calendar/settings', {
    token: admin,
    body: { shifts: [{ start: '08:00', end: '09:30' }] },
  });
  t.is(shifts.status, 200);
  t.is(await signDeadline(), '2026-11-26T09:30:00+08:00');
});
