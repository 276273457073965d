/**
 * Fixtures for the worker tests: a small, explicit reference data set (departments, people with mail
 * addresses, two grid cells with real polygons, a component, categories with time limits), case rows,
 * jobs as the engine hands them out, worker dependencies, and a REAL SMTP server (smtp-server on a free
 * port) whose received mails are parsed with mailparser.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createWorkCalendar } from '../../src/calendar/index.ts';
import { loadConfig } from '../../src/config.ts';
import type { Db, Prisma } from '../../src/db/index.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer, type JobInput, type WorkerDeps } from '../../workers/index.ts';

export const GRID_A = '32068200100101';
export const GRID_B = '32068200100102';

/** A closed square ring from its south-west corner. */
const square = (lng: number, lat: number, size: number) => [
  [lng, lat],
  [lng + size, lat],
  [lng + size, lat + size],
  [lng, lat + size],
  [lng, lat],
];

/** Ids of the reference rows. */
export const REF = {
  sanitation: 'dept-d19',
  water: 'dept-water',
  subCenter: 'dept-chengbei',
  subUnit: 'dept-chengbei-unit',
  supervisor: 'user-sup1',
  shiftLeaders: ['user-lead1', 'user-lead2'],
  leader: 'user-boss',
  component: 'comp-1',
} as const;

/** Inserts the reference data. */
export async function insertReference(db: Db): Promise<void> {
  const { prisma } = db;
  await prisma.department.createMany({
    data: [
      {
        id: REF.sanitation,
        code: 'D19',
        name: '环境卫生管理处',
        kind: 'department',
        contactEmail: 'd19@rugao.test',
      },
      {
        id: REF.water,
        code: 'U01',
        name: '如皋市自来水公司',
        kind: 'utility',
        contactEmail: 'water@rugao.test',
      },
      {
        id: REF.subCenter,
        code: 'S001',
        name: '城北街道二级平台',
        kind: 'street_center',
        contactEmail: 'chengbei@rugao.test',
      },
    ],
  });
  await prisma.department.create({
    data: {
      id: REF.subUnit,
      code: 'S001-01',
      name: '城北街道城管中队',
      kind: 'department',
      parentId: REF.subCenter,
    },
  });
  const people: [string, string, Prisma.UserRoleCreateManyInput['role']][] = [
    [REF.supervisor, 'sup1@rugao.test', 'field_supervisor'],
    [REF.shiftLeaders[0], 'lead1@rugao.test', 'shift_leader'],
    [REF.shiftLeaders[1], 'lead2@rugao.test', 'shift_leader'],
    [REF.leader, 'boss@rugao.test', 'leader'],
  ];
  for (const [id, email, role] of people)
    await prisma.user.create({
      data: { id, username: id, displayName: id, email, roles: { create: { role } } },
    });
  const cells = [
    { code: GRID_A, lng: 120.54, lat: 32.38, community: '北门社区' },
    { code: GRID_B, lng: 120.541, lat: 32.38, community: '东门社区' },
  ];
  for (const c of cells)
    await prisma.gridCell.create({
      data: {
        code: c.code,
        street: '城北街道',
        community: c.community,
        geometry: JSON.stringify({ type: 'Polygon', coordinates: [square(c.lng, c.lat, 0.001)] }),
        minLng: c.lng,
        minLat: c.lat,
        maxLng: c.lng + 0.001,
        maxLat: c.lat + 0.001,
        supervisorUserId: REF.supervisor,
      },
    });
  await prisma.component.create({
    data: {
      id: REF.component,
      code: '3206820101000001',
      categoryCode: '0101',
      name: '上水井盖',
      lng: 120.5415,
      lat: 32.3805,
    },
  });
  const limits = (
    minutes: Partial<Record<'verify' | 'sign' | 'dispose' | 'check', number>>,
    urgency: 'normal' | 'urgent',
    timeMode: 'working' | 'natural',
  ) =>
    Object.entries(minutes).map(([step, limitMinutes]) => ({
      step: step as 'sign',
      urgency,
      limitMinutes,
      timeMode,
    }));
  await prisma.category.create({
    data: {
      kind: 'event',
      code: '0102',
      majorCode: '01',
      majorName: '市容环境',
      name: '暴露垃圾',
      defaultDepartmentId: REF.sanitation,
      limits: {
        create: [
          ...limits({ verify: 60, sign: 60, dispose: 240, check: 60 }, 'normal', 'working'),
          ...limits({ sign: 30, dispose: 120 }, 'urgent', 'natural'),
        ],
      },
    },
  });
  await prisma.category.create({
    data: {
      kind: 'event',
      code: '0402',
      majorCode: '04',
      majorName: '突发事件',
      name: '自来水管破裂',
      defaultDepartmentId: REF.water,
    },
  });
  await prisma.category.create({
    data: {
      kind: 'event',
      code: '0199',
      majorCode: '01',
      majorName: '市容环境',
      name: '其他',
      active: false,
    },
  });
}

let caseSeq = 0;

/** Inserts a case (status reported, event 0102, normal, in GRID_A's polygon unless overridden). */
export async function insertCase(db: Db, data: Partial<Prisma.CaseUncheckedCreateInput> = {}) {
  caseSeq += 1;
  return db.prisma.case.create({
    data: {
      caseNo: `RG2026112500${String(caseSeq).padStart(2, '0')}${Math.random().toString(36).slice(2, 6)}`,
      source: 'supervisor',
      categoryCode: '0102',
      description: '路边暴露垃圾一堆',
      address: '如皋市北门路 1 号',
      lng: 120.5405,
      lat: 32.3805,
      ...data,
    },
  });
}

let jobSeq = 0;

/** A job as the engine hands it out. */
export function job(
  type: string,
  variables: Record<string, unknown>,
  extra: Partial<JobInput> = {},
): JobInput {
  jobSeq += 1;
  return {
    key: `22517998136${String(jobSeq).padStart(5, '0')}`,
    type,
    processInstanceKey: '2251799813600001',
    elementId: 't_test',
    retries: 3,
    variables,
    ...extra,
  };
}

/** Wednesday 2026-11-25 09:00 in Rugao: a working day, the start of the morning shift plus 30 min. */
export const NOW = new Date('2026-11-25T09:00:00+08:00');

export interface WorkerDepsOptions {
  /** 'warn' prints the workers' failed jobs (an end-to-end test whose case stops can then say why). */
  logLevel?: 'silent' | 'warn';
  /**
   * The engine's back-off before a failed job is offered again. It runs on the engine clock: a test that
   * pins that clock needs 0, or a job failed once (a transaction that waited too long on a loaded
   * machine) is never offered again and its case stops.
   */
  retryBackOffMs?: number;
}

/** Worker dependencies over `db`, mailing to `smtpUrl` (or logging when absent). */
export function workerDeps(
  db: Db,
  smtpUrl?: string,
  now: () => Date = () => NOW,
  { logLevel = 'silent', retryBackOffMs = 2000 }: WorkerDepsOptions = {},
): WorkerDeps & { config: ReturnType<typeof loadConfig> } {
  const config = loadConfig({
    SMTP_URL: smtpUrl,
    ASSESSMENT_RECIPIENTS: 'leaders@rugao.test',
    HUB_PUBLIC_URL: 'https://hub.rugao.test',
    WORKER_RETRY_BACKOFF_MS: String(retryBackOffMs),
  });
  const logger = createLogger(logLevel);
  return {
    db,
    calendar: createWorkCalendar({ timezone: 'Asia/Shanghai' }),
    mailer: createMailer(config, logger),
    logger,
    config,
    now,
  };
}

export interface ReceivedMail {
  /** envelope recipients */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string | false;
  attachments: { filename?: string; contentType: string; content: string }[];
}

export interface TestSmtp {
  url: string;
  mails: ReceivedMail[];
  /** Resolves once `count` mails arrived (rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** A real SMTP server on a free port that keeps every mail it receives. */
export async function startSmtp(): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (m) => {
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: m.subject ?? '',
            text: m.text ?? '',
            html: m.html ?? false,
            attachments: m.attachments.map((a) => ({
              filename: a.filename,
              contentType: a.contentType,
              content: a.content.toString('utf8'),
            })),
          });
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async waitFor(count, ms = 10_000) {
      const until = Date.now() + ms;
      while (mails.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} mails, got ${mails.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
