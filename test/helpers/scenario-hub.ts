/**
 * A whole hub for scenario tests: createHub with the embedded engine (clock control on), its workers,
 * the Rugao demo data, the case store and the engine state on the database HUB_TEST_DB names, and a REAL
 * SMTP server receiving the hub's mails. The people of the demo data log in over HTTP; the shift leader,
 * the leader and the street sub-centre get mail addresses so 督办 and 催办 mails have recipients.
 *
 *   const s = await startScenarioHub(new Date('2026-10-09T16:50:00+08:00'));
 *   const c = await s.as('acceptor').post('/api/cases', {...});
 *   await s.clock.add(30 * 60_000);
 *   await s.close();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createHub, type Hub } from '../../src/hub.ts';
import { hashPassword } from '../../src/auth/password.ts';
import { createLogger } from '../../src/log.ts';
import { call, type Reply } from './api.ts';
import { createTestDatabase } from './db.ts';
import { TEST_DEMO_PASSWORD } from './seeded-db.ts';
import { startSmtp, type TestSmtp } from './workers.ts';

/** The demo users' password in a scenario hub (browser tests log in through the form with it). */
export const PASSWORD = TEST_DEMO_PASSWORD;

/** Demo users (username = role, plus the units' handlers) and d19_handler (环境卫生管理处), added here. */
export const PEOPLE = [
  'administrator',
  'acceptor',
  'dispatcher',
  'field_supervisor',
  'shift_leader',
  'leader',
  'water_handler',
  'chengbei_handler',
  'department_handler',
  'd19_handler',
  'law_enforcement',
] as const;
export type Person = (typeof PEOPLE)[number];

/** Mail addresses the test gives to people and units of the demo data. */
export const MAIL = {
  shift_leader: 'zhiban@rugao.test',
  leader: 'lingdao@rugao.test',
  field_supervisor: 'jiandu@rugao.test',
  water: 'water-dispatch@example.com',
  chengbei: 'chengbei@rugao.test',
  law_enforcement: 'zhifa@rugao.test',
} as const;

export interface Caller {
  get(path: string): Promise<Reply>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  put(path: string, body?: unknown): Promise<Reply>;
}

export interface ScenarioHub {
  hub: Hub;
  url: string;
  smtp: TestSmtp;
  /** Department ids by code (D05, U-WATER, S01 …). */
  unit: Record<string, string>;
  userId: Record<Person, string>;
  as(person: Person): Caller;
  /** The session token of a person (for requests `as` does not make, e.g. multipart). */
  token(person: Person): string;
  clock: { now(): Promise<Date>; pin(at: Date): Promise<Date>; add(ms: number): Promise<Date> };
  /**
   * Waits until the case's procedure waits at `elementId` (an ACTIVE element instance, asked through the
   * engine's v2 REST API), e.g. before the clock jumps past the time to live of a message just published.
   */
  waitingAt(caseId: string, elementId: string): Promise<void>;
  /** Waits until the case's procedure instance has completed. */
  completed(caseId: string): Promise<void>;
  /** The same for any procedure instance by its key (a procedure not about a case, e.g. ad-permit). */
  instanceWaitingAt(processInstanceKey: string, elementId: string): Promise<void>;
  instanceCompleted(processInstanceKey: string): Promise<void>;
  close(): Promise<void>;
}

export async function startScenarioHub(pinAt: Date, env: Record<string, string> = {}): Promise<ScenarioHub> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hub-scenario-'));
  // Seeded: a copy of the run's demo data template (helpers/seeded-db.ts), so the hub starts as on a restart.
  const caseDb = await createTestDatabase('hub_t', {
    demoPassword: PASSWORD,
    file: join(dataDir, 'hub.db'),
  });
  const engineDb = await createTestDatabase('hub_t_engine');
  const smtp = await startSmtp();
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: caseDb.url,
    HUB_PORT: '0',
    HUB_SEED_DEMO: 'true',
    HUB_DEMO_PASSWORD: PASSWORD,
    ENGINE_DATABASE_URL: engineDb.url,
    ZEEBE_ADDRESS: '127.0.0.1:0',
    ENGINE_MANAGEMENT_PORT: '0',
    ENGINE_CLOCK_CONTROL: 'true',
    SMTP_URL: smtp.url,
    MAIL_FROM: 'chengguan-hub <hub@rugao.test>',
    HUB_PUBLIC_URL: 'https://hub.rugao.test',
    ADMIN_UI: 'false',
    SIMULATORS: 'false',
    // The engine clock is pinned below, and a back-off runs on it: a job failed once would never come back.
    WORKER_RETRY_BACKOFF_MS: '0',
    ...env,
  });
  const hub = createHub({ config, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') });
  const close = async () => {
    await hub.stop().catch(() => {});
    await smtp.close();
    await engineDb.drop();
    await caseDb.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  let url: string;
  try {
    ({ url } = await hub.start());
  } catch (err) {
    await close();
    throw err;
  }
  const management = hub.engine!.management.url;
  const clockCall = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(management + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return new Date(((await res.json()) as { epochMilli: number }).epochMilli);
  };
  const clock = {
    now: () => clockCall('GET', '/actuator/clock'),
    pin: (at: Date) => clockCall('POST', '/actuator/clock/pin', { epochMilli: at.getTime() }),
    add: (ms: number) => clockCall('POST', '/actuator/clock/add', { offsetMilli: ms }),
  };
  await clock.pin(pinAt);

  const { prisma } = hub.db;
  const units = await prisma.department.findMany({ select: { id: true, code: true } });
  const unit = Object.fromEntries(units.map((u) => [u.code, u.id]));
  await prisma.department.update({ where: { code: 'S01' }, data: { contactEmail: MAIL.chengbei } });
  for (const [username, email] of Object.entries(MAIL))
    await prisma.user.updateMany({ where: { username }, data: { email } });
  // 环境卫生管理处 has no handler in the demo data: the scenarios add one.
  await prisma.user.create({
    data: {
      username: 'd19_handler',
      displayName: '环卫处处置员',
      passwordHash: await hashPassword(PASSWORD),
      departmentId: unit.D19,
      roles: { create: { role: 'department_handler' } },
    },
  });
  const tokens = {} as Record<Person, string>;
  const userId = {} as Record<Person, string>;
  for (const username of PEOPLE) {
    const login = await call(url, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } });
    if (login.status !== 200)
      throw new Error(`login ${username}: ${login.status} ${JSON.stringify(login.body)}`);
    tokens[username] = login.body.token;
    userId[username] = (await prisma.user.findUniqueOrThrow({ where: { username } })).id;
  }
  const as = (person: Person): Caller => ({
    get: (path) => call(url, 'GET', path, { token: tokens[person] }),
    post: (path, body = {}, headers = {}) =>
      call(url, 'POST', path, { token: tokens[person], body, headers }),
    put: (path, body = {}) => call(url, 'PUT', path, { token: tokens[person], body }),
  });
  // A case from an adapter is visible once its inbox transaction commits; its procedure starts after.
  const instanceOf = (caseId: string) =>
    until(
      `case ${caseId}'s procedure started`,
      async () => (await prisma.case.findUniqueOrThrow({ where: { id: caseId } })).processInstanceKey,
    );
  const instanceWaitingAt = async (processInstanceKey: string, elementId: string) => {
    await until(`instance ${processInstanceKey} waiting at ${elementId}`, async () => {
      const res = await fetch(`${management}/v2/element-instances/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ filter: { processInstanceKey, elementId, state: 'ACTIVE' } }),
      });
      if (!res.ok) throw new Error(`element-instances/search: HTTP ${res.status} ${await res.text()}`);
      return ((await res.json()) as { items: unknown[] }).items.length > 0;
    });
  };
  const instanceCompleted = async (processInstanceKey: string) => {
    await until(`instance ${processInstanceKey} completed`, async () => {
      const res = await fetch(`${management}/v2/process-instances/${processInstanceKey}`);
      if (!res.ok) throw new Error(`process-instances: HTTP ${res.status} ${await res.text()}`);
      return ((await res.json()) as { state: string }).state === 'COMPLETED';
    });
  };
  const waitingAt = async (caseId: string, elementId: string) =>
    instanceWaitingAt(await instanceOf(caseId), elementId);
  const completed = async (caseId: string) => instanceCompleted(await instanceOf(caseId));
  const token = (person: Person) => tokens[person];
  return {
    hub,
    url,
    smtp,
    unit,
    userId,
    as,
    token,
    clock,
    waitingAt,
    completed,
    instanceWaitingAt,
    instanceCompleted,
    close,
  };
}

/** Polls `check` until it returns a truthy value; throws naming `what` after `ms` (long: the test machine is shared and loaded). */
export async function until<T>(what: string, check: () => Promise<T>, ms = 60_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Local wall-clock time in Rugao, e.g. at('2026-10-09 16:50'). */
export const at = (wall: string) => new Date(`${wall.replace(' ', 'T')}:00+08:00`);

/** Waits until the test SMTP server received a mail whose subject matches (and sent to `to`, if given). */
export function mailsMatching(s: Pick<ScenarioHub, 'smtp'>, subject: RegExp, to?: string) {
  return until(`a mail matching ${subject}`, async () => {
    const found = s.smtp.mails.filter((m) => subject.test(m.subject) && (!to || m.to.includes(to)));
    return found.length ? found : undefined;
  });
}
