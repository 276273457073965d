// 施工/挖掘 near 地下管网, end to end through the engine: a 0304 施工占道 case dispatched 12 m from the water
// company's main sends the company an excavation notice through the utilities adapter's outbox (its
// simulator receives it once, naming the line, its distance and depth), and a telecom line's owner, whom
// no adapter reaches, is named on the timeline with its phone for the dispatcher to call; a case 53 m
// away, or of another category, tells nobody; a later round of the same case tells nobody again.
import test from 'ava';
import { createDepartmentRouter } from '../adapters/department-router.ts';
import { createUtilitiesAdapter } from '../adapters/utilities/index.ts';
import { startUtilitySimulator, type UtilitySimulator } from '../adapters/utilities/simulator/index.ts';
import { startAdapterE2E, until, type AdapterE2E } from './helpers/adapter-e2e.ts';

let water: UtilitySimulator;
let e2e: AdapterE2E;
/** ≈ 12 m north of the water main (0.0001° of latitude ≈ 11.1 m). */
const SITE = { lng: 120.5405, lat: 32.3806 };

test.before(async () => {
  water = await startUtilitySimulator('water');
  e2e = await startAdapterE2E({
    adapters: (deps) => [
      createUtilitiesAdapter({
        ...deps,
        settings: { companies: [{ key: 'water', url: water.url }], pollIntervalMs: 300 },
      }),
      createDepartmentRouter({
        db: deps.db,
        settings: {
          sanitationDepartmentCode: null,
          utilities: ['water'],
          pipelineNotice: { distanceM: 30, categories: ['0304'] },
        },
      }),
    ],
    categories: [{ code: '0304', majorName: '施工管理', name: '施工占道' }],
  });
  const { prisma } = e2e.hub.db;
  const telecom = await prisma.department.create({
    data: { code: 'U-TEL', name: '如皋电信分公司', kind: 'utility', contactPhone: '0513-87610000' },
  });
  const line = (lat: number) =>
    JSON.stringify({
      type: 'LineString',
      coordinates: [
        [SITE.lng - 0.001, lat],
        [SITE.lng + 0.001, lat],
      ],
    });
  const box = (lat: number) => ({
    minLng: SITE.lng - 0.001,
    maxLng: SITE.lng + 0.001,
    minLat: lat,
    maxLat: lat,
  });
  await prisma.pipeline.create({
    data: {
      code: 'GS-0001',
      kind: 'water',
      ownerId: e2e.departments['U-WATER']!,
      depthM: 1.5,
      diameterMm: 300,
      material: '球墨铸铁',
      geometry: line(SITE.lat - 0.0001),
      ...box(SITE.lat - 0.0001),
    },
  });
  await prisma.pipeline.create({
    data: {
      code: 'TX-0007',
      kind: 'telecom',
      ownerId: telecom.id,
      geometry: line(SITE.lat + 0.0002),
      ...box(SITE.lat + 0.0002),
    },
  });
});
test.after.always(async () => {
  await e2e?.close();
  await water?.close();
});

async function dispatchedCase(categoryCode: string, at: { lng: number; lat: number }) {
  const id = await e2e.dispatchCase(
    {
      source: 'supervisor',
      categoryCode,
      description: '沿街开挖路面埋设管道',
      address: '如城街道北门路',
      ...at,
    },
    'D19',
  );
  // the dispatch's assignment row routed (the router runs the notice first)
  await until('routed', async () =>
    e2e.hub.db.prisma.outboxMessage.findFirst({
      where: { caseId: id, adapter: 'department', status: 'delivered' },
    }),
  );
  return id;
}
const caseRow = (id: string) => e2e.hub.db.prisma.case.findUniqueOrThrow({ where: { id } });
const noticeOf = (caseId: string) =>
  e2e.hub.db.prisma.caseEvent.findFirst({ where: { caseId, type: 'pipeline_notified' } });

test.serial(
  'a dig near the water main tells the company through its system; the telecom owner by phone',
  async (t) => {
    const caseId = await dispatchedCase('0304', SITE);
    const got = await until('the excavation notice at the company', async () =>
      water.notices.find((n) => n.orderNo === caseId),
    );
    t.like(got, { caseNo: (await caseRow(caseId)).caseNo, address: '如城街道北门路' });
    t.deepEqual(
      got.pipelines.map((p) => [p.code, p.distanceM, p.depthM]),
      [['GS-0001', 11.1, 1.5]],
    );
    const event = await noticeOf(caseId);
    t.is(
      event?.note,
      '施工点 30 米内有地下管线。已通过权属单位系统告知：如皋市自来水公司（给水 GS-0001，相距 11.1 米，埋深 1.5 米）。' +
        '未接入系统，请电话告知：如皋电信分公司（通信 TX-0007，相距 22.2 米），电话 0513-87610000。',
    );
    t.is(event?.actorName, '地下管网');
    // once per case: the notice row is delivered and not sent again
    await until('delivered', async () =>
      e2e.hub.db.prisma.outboxMessage.findFirst({
        where: { caseId, kind: 'pipeline_notice', status: 'delivered' },
      }),
    );
    t.is(water.notices.filter((n) => n.orderNo === caseId).length, 1);
    // A later round (返工 after a failed 核查) is routed again: its owners are not told a second time.
    const unit = e2e.departments.D19!;
    await e2e.hub.db.prisma.outboxMessage.create({
      data: {
        adapter: 'department',
        kind: 'assignment',
        caseId,
        payload: { caseId, dispatchKind: 'rework', assigneeType: 'department', assigneeId: unit },
      },
    });
    await until('the second round routed', async () =>
      (await e2e.hub.db.prisma.outboxMessage.count({
        where: { caseId, adapter: 'department', status: 'delivered' },
      })) === 2
        ? true
        : null,
    );
    t.is(await e2e.hub.db.prisma.outboxMessage.count({ where: { caseId, kind: 'pipeline_notice' } }), 1);
    t.is(await e2e.hub.db.prisma.caseEvent.count({ where: { caseId, type: 'pipeline_notified' } }), 1);
  },
);

test.serial('a dig far from any line, or a case of another category, tells nobody', async (t) => {
  // ≈ 53 m from the water main's end, 78 m from the telecom line: beyond the 30 m
  const far = await dispatchedCase('0304', { lng: 120.5418, lat: 32.3801 });
  const other = await dispatchedCase('0402', SITE);
  for (const caseId of [far, other]) {
    t.is(await noticeOf(caseId), null);
    t.is(await e2e.hub.db.prisma.outboxMessage.count({ where: { caseId, kind: 'pipeline_notice' } }), 0);
  }
  t.false(water.notices.some((n) => n.orderNo === far || n.orderNo === other));
});
