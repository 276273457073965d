// Scenario 5 end to end through the sanitation simulator: bin-overflow readings over the real MQTT broker
// are debounced into one case (duplicates, a redelivery and out-of-order readings included); an empty
// reading with a photo proposes closing; the case dispatched to 环卫 becomes a work order on the
// platform's Camunda 7-style engine, whose crew tasks the hub takes with camunda-external-task-client-js
// and correlates back (case.signed, case.disposed with photo); a task for an unknown case is answered
// with a BPMN error; while the platform is down nothing is lost and it catches up after recovery.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { createDepartmentRouter } from '../adapters/department-router.ts';
import { createSanitationAdapter } from '../adapters/sanitation/index.ts';
import {
  SANITATION_TOPICS,
  startSanitationSimulator,
  type DeviceReading,
  type SanitationSimulator,
} from '../adapters/sanitation/simulator/index.ts';
import { startAdapterE2E, until, type AdapterE2E } from './helpers/adapter-e2e.ts';

let sim: SanitationSimulator;
let e2e: AdapterE2E;
const run = randomBytes(4).toString('hex');

test.before(async () => {
  sim = await startSanitationSimulator({
    mqttUrl: 'mqtt://127.0.0.1:1883',
    topicPrefix: `test-${run}/sanitation`,
  });
  e2e = await startAdapterE2E({
    adapters: (deps) => [
      createSanitationAdapter({
        ...deps,
        settings: {
          mqttUrl: 'mqtt://127.0.0.1:1883',
          topicPrefix: sim.topicPrefix,
          mqttClientId: `hub-test-${run}`,
          engineUrl: sim.engineUrl,
          debounceSeconds: 60,
          workerId: `hub-${run}`,
          lockDurationMs: 10_000,
          asyncResponseTimeoutMs: 1000,
          retryTimeoutMs: 500,
        },
      }),
      createDepartmentRouter({ db: deps.db, settings: { sanitationDepartmentCode: 'D19', utilities: [] } }),
    ],
  });
  // The hub's MQTT session exists once it subscribed (under its lease); readings before it would be lost.
  await until('subscribed', () =>
    e2e.hub.db.prisma.lease.findUnique({ where: { name: 'sub:sanitation:telemetry' } }),
  );
  await new Promise((r) => setTimeout(r, 1000));
});
test.after.always(async () => {
  await e2e?.close();
  await sim?.close();
});

const t0 = Date.parse('2026-11-25T01:00:00Z');
let seq = 0;
const reading = (
  deviceId: string,
  value: number,
  secondsAfter: number,
  extra: Partial<DeviceReading> = {},
): DeviceReading => ({
  msgId: `${run}-${deviceId}-${++seq}`,
  deviceId,
  kind: 'bin',
  metric: 'fill',
  value,
  at: new Date(t0 + secondsAfter * 1000).toISOString(),
  // inside GRID_A of the worker reference data
  lng: 120.5405,
  lat: 32.3805,
  address: '如皋市北门路垃圾桶',
  ...extra,
});

const sanitationCases = () =>
  e2e.hub.db.prisma.case.findMany({ where: { source: 'sanitation' }, orderBy: { createdAt: 'asc' } });
const inbox = (sourceId: string) =>
  e2e.hub.db.prisma.inboxEvent.findUnique({
    where: { adapter_sourceId: { adapter: 'sanitation', sourceId } },
  });

test.serial(
  'scenario 5: overflow readings debounced to one case; duplicates, a redelivery and reordering change nothing',
  async (t) => {
    const short = reading(`bin-${run}-a`, 95, 0);
    const blipBelow = reading(`bin-${run}-a`, 40, 20);
    await sim.publish(short, blipBelow);
    await until('blip processed', () => inbox(blipBelow.msgId));
    t.is((await sanitationCases()).length, 0, 'above threshold for 0 s, then below: no case');

    // Above threshold from 30 s on: 95, 96, 97 (at 100 s: 70 s above ≥ 60 s → one case), 99 later.
    await sim.setFaults({ duplicates: true, outOfOrder: true });
    const run1 = [
      reading(`bin-${run}-a`, 95, 30),
      reading(`bin-${run}-a`, 96, 60),
      reading(`bin-${run}-a`, 97, 100),
    ];
    await sim.publish(...run1);
    const [opened] = await until('the case', async () =>
      (await sanitationCases()).length ? sanitationCases() : null,
    );
    await sim.setFaults({ duplicates: false, outOfOrder: false });
    const later = reading(`bin-${run}-a`, 99, 130);
    await sim.publish(later, run1[2]!); // a further reading and a redelivered one
    await until('later reading', () => inbox(later.msgId));
    await new Promise((r) => setTimeout(r, 300));

    const cases = await sanitationCases();
    t.is(cases.length, 1);
    t.like(cases[0], {
      source: 'sanitation',
      sourceRef: `bin-${run}-a@${new Date(t0 + 30_000).toISOString()}`,
      categoryCode: '0102',
      lng: 120.5405,
    });
    t.regex(cases[0]!.description, /垃圾桶满溢.*97%.*70 秒/);
    const rows = await e2e.hub.db.prisma.inboxEvent.findMany({
      where: { adapter: 'sanitation', sourceId: { startsWith: run } },
    });
    t.is(rows.length, 6, 'one inbox row per message id, duplicates and the redelivery included');
    t.is(rows.filter((r) => r.status === 'processed').length, 1, 'exactly one reading opened the case');
    // The case runs its procedure: intake, locate (GRID_A), classify, then waits for 立案.
    const located = await until('located', async () => {
      const c = await e2e.hub.db.prisma.case.findUniqueOrThrow({ where: { id: opened!.id } });
      return c.gridCode && c.processInstanceKey && c.status === 'accepted' ? c : null;
    });
    t.is(located.gridCode, '32068200100101');
  },
);

test.serial(
  'scenario 5: an empty reading with a photo proposes closing, with the photo as evidence',
  async (t) => {
    const [c] = await sanitationCases();
    const empty = reading(`bin-${run}-a`, 5, 200, { photoUrl: sim.photoUrl(`bin-${run}-emptied`) });
    await sim.publish(empty);
    const event = await until('close proposed', () =>
      e2e.hub.db.prisma.caseEvent.findFirst({ where: { caseId: c!.id, type: 'close_proposed' } }),
    );
    t.like(event, { fromStatus: 'accepted', toStatus: 'accepted' });
    t.regex(event.note ?? '', /建议结案/);
    const photo = await until('photo stored', () =>
      e2e.hub.db.prisma.attachment.findFirst({ where: { caseId: c!.id, kind: 'evidence' } }),
    );
    t.like(photo, { contentType: 'image/jpeg', eventId: event.id });
    // The episode ended: a new overflow run later is a new case.
    await sim.publish(reading(`bin-${run}-a`, 95, 300), reading(`bin-${run}-a`, 96, 370));
    await until('second episode', async () => ((await sanitationCases()).length === 2 ? true : null));
  },
);

test.serial(
  'work order out, crew tasks back: signed and disposed with photo correlate to the case; unknown case → BPMN error',
  async (t) => {
    const [c] = await sanitationCases();
    await e2e.act(c!.id, 'registered', 'case.registered');
    await e2e.act(
      c!.id,
      'dispatched',
      'case.dispatched',
      { assigneeType: 'department', assigneeId: 'dept-d19' },
      { departmentId: 'dept-d19' },
    );
    const order = await until('work order on the platform', async () => sim.workOrder(c!.id));
    t.is(order.definitionKey, 'sanitation-work-order');
    t.is((order.variables.caseNo as { value: string }).value, c!.caseNo);

    const signTask = sim.crewSigns(c!.id, '环卫一队');
    await until(
      'signed',
      async () =>
        (await e2e.hub.db.prisma.case.findUniqueOrThrow({ where: { id: c!.id } })).status === 'signed',
    );
    await until('task completed', async () => signTask.state === 'completed');
    t.is(signTask.completedWith?.hubResult?.value, 'processed');
    t.deepEqual(
      signTask.calls.map((x) => x.op).filter((op) => op !== 'extendLock'),
      ['fetchAndLock', 'complete'],
    );

    const disposeTask = sim.crewDisposes(c!.id, '已清运', `disposal-${run}`);
    await until('disposed', async () =>
      (await e2e.hub.db.prisma.case.findUniqueOrThrow({ where: { id: c!.id } })).status !== 'signed'
        ? true
        : null,
    );
    await until('dispose task completed', async () => disposeTask.state === 'completed');
    const photo = await until('disposal photo', () =>
      e2e.hub.db.prisma.attachment.findFirst({ where: { caseId: c!.id, kind: 'disposal' } }),
    );
    t.is(photo.contentType, 'image/jpeg');
    const events = await e2e.hub.db.prisma.caseEvent.findMany({
      where: { caseId: c!.id, type: { in: ['signed', 'disposed'] } },
      orderBy: { at: 'asc' },
    });
    t.deepEqual(
      events.map((e) => [e.type, e.actorName]),
      [
        ['signed', '智慧环卫平台 (环卫一队)'],
        ['disposed', '智慧环卫平台'],
      ],
    );
    // The messages reached the engine: the outbox rows of both are delivered.
    const messages = await until('messages delivered', async () => {
      const rows = await e2e.hub.db.prisma.outboxMessage.findMany({
        where: { adapter: 'engine', caseId: c!.id, kind: { in: ['case.signed', 'case.disposed'] } },
      });
      return rows.length === 2 && rows.every((r) => r.status === 'delivered') ? rows : null;
    });
    t.is(messages.length, 2);

    const stray = sim.engine.createTask(SANITATION_TOPICS.signed, 'no-such-case', { caseId: 'no-such-case' });
    await until('bpmn error', async () => stray.state === 'bpmnError');
    t.is(stray.bpmnError?.errorCode, 'CASE_UNKNOWN');
  },
);

test.serial(
  'platform down: readings and a work order wait, then arrive once; the crew signs after recovery',
  async (t) => {
    const [, second] = await sanitationCases();
    await until('second case waits for 立案', async () => {
      const c = await e2e.hub.db.prisma.case.findUniqueOrThrow({ where: { id: second!.id } });
      return c.status === 'accepted' && c.gridCode ? c : null;
    });
    await sim.setFaults({ down: true });
    await e2e.act(second!.id, 'registered', 'case.registered');
    await e2e.act(
      second!.id,
      'dispatched',
      'case.dispatched',
      { assigneeType: 'department', assigneeId: 'dept-d19' },
      { departmentId: 'dept-d19' },
    );
    const device = `bin-${run}-b`;
    await sim.publish(reading(device, 95, 0), reading(device, 95, 30), reading(device, 96, 61));
    const retrying = await until('work order retried', () =>
      e2e.hub.db.prisma.outboxMessage.findFirst({
        where: { adapter: 'sanitation', kind: 'work_order', caseId: second!.id, attempts: { gte: 1 } },
      }),
    );
    t.is(retrying.status, 'pending');
    t.is((await sanitationCases()).length, 2, 'no reading arrives while the platform is down');
    t.is(sim.workOrder(second!.id), undefined);

    await sim.setFaults({ down: false });
    await until('third case after recovery', async () =>
      (await sanitationCases()).length === 3 ? true : null,
    );
    await until('work order after recovery', async () => sim.workOrder(second!.id));
    t.is(sim.engine.instances.filter((i) => i.businessKey === second!.id).length, 1, 'one work order');
    t.is((await sanitationCases()).filter((c) => c.sourceRef?.startsWith(device)).length, 1);
    sim.crewSigns(second!.id);
    await until('second signed', async () =>
      (await e2e.hub.db.prisma.case.findUniqueOrThrow({ where: { id: second!.id } })).status === 'signed'
        ? true
        : null,
    );
  },
);
