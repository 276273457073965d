/**
 * End-to-end harness for the sanitation, video and utility adapters: the embedded engine over gRPC with
 * the hub's procedures, the hub's workers, the case-message publisher, an adapter host (adapters/
 * framework) running the adapters under test, and an HTTP server with the host's routes (webhooks,
 * /api/adapters monitoring) plus any extra routes — on the test file's own case store (HUB_TEST_DB).
 * The legacy systems are the simulators, reached over the network.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { createAdapterHost, type AdapterHost } from '../../adapters/framework/index.ts';
import type { Adapter, AdapterDeps } from '../../adapters/framework/types.ts';
import { createAttachmentStore, type AttachmentStore } from '../../src/attachments/index.ts';
import { problemRenderer } from '../../src/api/problem.ts';
import { requestContext } from '../../src/api/request-context.ts';
import type { ApiState, Route } from '../../src/api/route.ts';
import { buildRouter } from '../../src/api/router.ts';
import { createAuth, type Auth } from '../../src/auth/index.ts';
import type { CaseEventType } from '../../src/cases/index.ts';
import { inCaseTransaction, recordEvent } from '../../src/cases/state/index.ts';
import { createCasePublisher, type CasePublisher } from '../../src/cases/publish.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createWorkers, type Workers } from '../../workers/index.ts';
import { PROCESS_IDS, readProcessFile } from './bpmn-elements.ts';
import type { Prisma } from '../../src/db/index.ts';
import { createTestDb, type TestDb } from './db.ts';
import { startTestEngine, type TestEngine } from './engine.ts';
import { createUser } from './api.ts';
import { insertReference, workerDeps } from './workers.ts';

export interface AdapterE2E {
  engine: TestEngine;
  hub: TestDb;
  config: Config;
  attachments: AttachmentStore;
  host: AdapterHost;
  publisher: CasePublisher;
  auth: Auth;
  /** http://127.0.0.1:<port> */
  base: string;
  /** A leader's bearer token (reads the monitoring and precision routes). */
  token: string;
  /** Utility departments inserted beside the worker reference data: code → id. */
  departments: Record<string, string>;
  /** Records a person's action as the API does (timeline + status), then publishes its message. */
  act(
    caseId: string,
    type: CaseEventType,
    message: string,
    variables?: Record<string, unknown>,
    extra?: { departmentId?: string; caseUpdate?: Record<string, unknown> },
  ): Promise<void>;
  /**
   * A case reported at a point and run through case-disposal as the desk would: 受理 (the procedure),
   * 立案, then 派遣 to the unit of `departmentCode` (a key of `departments`, or D19). Returns its id.
   */
  dispatchCase(
    c: Pick<Prisma.CaseUncheckedCreateInput, 'source' | 'categoryCode' | 'description' | 'address'> & {
      lng: number;
      lat: number;
    },
    departmentCode: string,
  ): Promise<string>;
  close(): Promise<void>;
}

/** Polls `check` until it returns a truthy value. */
export async function until<T>(what: string, check: () => Promise<T>, ms = 45_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startAdapterE2E(options: {
  adapters: (deps: AdapterDeps & { attachments: AttachmentStore }) => Adapter[];
  routes?: (deps: AdapterDeps) => Route[];
  env?: Record<string, string>;
  /** event categories beside the reference's, with the same time limits (code 4 digits) */
  categories?: { code: string; majorName: string; name: string }[];
}): Promise<AdapterE2E> {
  const dataDir = await mkdtemp(join(tmpdir(), 'adapter-e2e-'));
  const [engine, hub] = await Promise.all([startTestEngine(), createTestDb()]);
  await insertReference(hub.db);
  const departments: Record<string, string> = {};
  for (const [code, name] of [
    ['U-WATER', '如皋市自来水公司'],
    ['U-GAS', '如皋港华燃气'],
    ['U-POWER', '国网如皋市供电公司'],
  ] as const) {
    const d = await hub.db.prisma.department.create({ data: { code, name, kind: 'utility' } });
    departments[code] = d.id;
  }
  departments.D19 = 'dept-d19';
  // Time limits for the categories the adapters open or the tests dispatch (the reference has 0102's).
  const limits = (categoryCode: string) =>
    hub.db.prisma.category.update({
      where: { kind_code: { kind: 'event', code: categoryCode } },
      data: {
        limits: {
          create: (['verify', 'sign', 'dispose', 'check'] as const).map((step) => ({
            urgency: 'normal' as const,
            step,
            limitMinutes: 240,
            timeMode: 'natural' as const,
          })),
        },
      },
    });
  await limits('0402');
  for (const c of [
    { code: '0504', majorName: '街面秩序', name: '店外经营' },
    ...(options.categories ?? []),
  ]) {
    await hub.db.prisma.category.create({
      data: {
        kind: 'event',
        code: c.code,
        majorCode: c.code.slice(0, 2),
        majorName: c.majorName,
        name: c.name,
      },
    });
    await limits(c.code);
  }
  for (const id of PROCESS_IDS)
    await engine.zbc.deployResource({
      process: Buffer.from(readProcessFile(`${id}.bpmn`)),
      name: `${id}.bpmn`,
    });

  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    ADAPTER_OUTBOX_BACKOFF_MS: '200',
    ADAPTER_OUTBOX_MAX_BACKOFF_MS: '1000',
    ADAPTER_OUTBOX_INTERVAL_MS: '200',
    ADAPTER_OUTBOX_MAX_ATTEMPTS: '50',
    ADAPTER_LEASE_MS: '3000',
    // The simulators serve their photos on 127.0.0.1.
    ADAPTER_FETCH_ALLOW_PRIVATE: 'true',
    ...options.env,
  });
  const logger = createLogger(config.LOG_LEVEL);
  const zeebe = engine.newClient();
  const publisher = createCasePublisher({
    db: hub.db,
    zeebe,
    logger,
    ttlMs: 120_000,
    retryMs: 300,
    timeoutMs: 5000,
  });
  publisher.start();
  const wdeps = workerDeps(hub.db, undefined, () => new Date());
  const workers: Workers = createWorkers({
    ...wdeps,
    zeebe: engine.newClient(),
    workerName: 'adapter-e2e',
  });
  workers.start();
  const attachments = createAttachmentStore(hub.db, config);
  const adapterDeps = { db: hub.db, logger, config, now: () => new Date(), attachments };
  const host = createAdapterHost({ ...adapterDeps, zeebe, publisher }, options.adapters(adapterDeps));
  const auth = createAuth({ db: hub.db, config, key: randomBytes(32) });
  const routes = [...host.routes(), ...(options.routes?.(adapterDeps) ?? [])];
  const router = buildRouter(routes, {
    authenticate: auth.authenticate,
    maxBodyBytes: config.HUB_MAX_BODY_BYTES,
  });
  const app = new Koa<ApiState>();
  app.use(requestContext(logger));
  app.use(problemRenderer());
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const leaderId = await createUser(hub.db, { username: 'leader-e2e', roles: ['leader', 'administrator'] });
  const token = (await auth.issueSession(leaderId)).token;
  await host.start();

  const harness: AdapterE2E = {
    engine,
    hub,
    config,
    attachments,
    host,
    publisher,
    auth,
    base,
    token,
    departments,
    async act(caseId, type, message, variables = {}, extra = {}) {
      // Through the case-state writer, as the API records it: one transaction, version-checked against
      // the workers and adapters writing the same row.
      const recorded = await inCaseTransaction(hub.db.prisma, async (tx) => {
        const written = await recordEvent(tx, {
          caseId,
          type,
          at: new Date(),
          actor: { name: 'api-test' },
          departmentId: extra.departmentId ?? null,
          caseUpdate: {
            ...(type === 'dispatched' ? { departmentId: extra.departmentId ?? null } : {}),
            ...extra.caseUpdate,
          },
        });
        return written!.event;
      });
      await engine.zbc.publishMessage({
        name: message,
        correlationKey: caseId,
        variables: variables as never,
        timeToLive: 60_000,
        messageId: `${caseId}:${message}:${recorded.id}`,
      });
    },
    async dispatchCase(c, departmentCode) {
      const { prisma } = hub.db;
      const row = await prisma.case.create({
        data: { caseNo: `T-${Math.random().toString(36).slice(2, 10)}`, ...c },
      });
      const started = await engine.zbc.createProcessInstance({
        bpmnProcessId: 'case-disposal',
        variables: { caseId: row.id, source: c.source },
      });
      await prisma.case.update({
        where: { id: row.id },
        data: { processInstanceKey: String(started.processInstanceKey) },
      });
      await until(
        'accepted',
        async () => (await prisma.case.findUniqueOrThrow({ where: { id: row.id } })).status === 'accepted',
      );
      await harness.act(row.id, 'registered', 'case.registered');
      const unit = departments[departmentCode];
      if (!unit) throw new Error(`no unit ${departmentCode} in the harness`);
      await harness.act(
        row.id,
        'dispatched',
        'case.dispatched',
        { assigneeType: 'department', assigneeId: unit },
        { departmentId: unit },
      );
      return row.id;
    },
    async close() {
      await host.stop();
      await workers.stop();
      await publisher.stop();
      wdeps.mailer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
      await hub.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
