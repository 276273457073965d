/**
 * hub.case.locate — maps a case's location to its 万米单元网格 cell. In order of precedence:
 * 1. a component (部件) on the case: the component's cell, or its coordinates;
 * 2. coordinates (lng/lat, WGS84): the active cell whose polygon contains the point — the bbox columns
 *    prefilter candidates in SQL, then an exact point-in-polygon test;
 * 3. an address: a 14-digit grid code or a 16-digit component code written in it (as supervisors and
 *    hotline operators note them); else the geocoder (src/geography) when its confidence reaches
 *    GEOCODE_MIN_CONFIDENCE — the case row gets the point, the confidence and what matched; else the
 *    name of a community (社区) that has exactly one cell.
 * Coordinates outside every cell → BPMN error OUT_OF_AREA (the case is voided). An address that cannot
 * be placed well enough, and a case without any location, go to location repair (定位修复): the case
 * row gets locationRepairAt and a note with the best reading, the timeline `location_unknown`, and the
 * BPMN error LOCATION_UNKNOWN sends the procedure to wait for `case.located` (the locate action), after
 * which this job runs again on the coordinates a person gave. Not an incident: it is the desk's work.
 */
import { inCaseTransaction, recordEvent, updateCaseFrom } from '../src/cases/state/index.ts';
import type { GridCell } from '../src/db/index.ts';
import { cellAt as gridCellAt } from '../src/geography/grid.ts';
import { geocoderFor, type GeocodeResult } from '../src/geography/index.ts';
import { BpmnError, defineHandler, loadCase, type WorkerDeps } from './job.ts';

/** 14-digit grid code → street code: county (6) + street (3). */
export const streetCodeOf = (gridCode: string) => gridCode.slice(0, 9);

/** The active cell containing the point, or null (src/geography/grid.ts: in-memory R-tree + exact test). */
export const cellAt = (deps: Pick<WorkerDeps, 'db'>, lng: number, lat: number): Promise<GridCell | null> =>
  gridCellAt(deps.db.prisma, lng, lat);

interface ByAddress {
  cell: GridCell | null;
  /** the geocoded point (WGS84) when the geocoder placed it */
  point?: { lng: number; lat: number };
  /** the geocoder's best reading, trusted or not */
  reading?: GeocodeResult;
}

async function cellByAddress(deps: Pick<WorkerDeps, 'db' | 'config'>, address: string): Promise<ByAddress> {
  const { prisma } = deps.db;
  const gridCode = /(?<!\d)(\d{14})(?!\d)/.exec(address)?.[1];
  if (gridCode) return { cell: await prisma.gridCell.findFirst({ where: { code: gridCode, active: true } }) };
  const componentCode = /(?<!\d)(\d{16})(?!\d)/.exec(address)?.[1];
  if (componentCode) {
    const component = await prisma.component.findUnique({ where: { code: componentCode } });
    if (component?.gridCode)
      return { cell: await prisma.gridCell.findFirst({ where: { code: component.gridCode, active: true } }) };
    if (component) return { cell: await cellAt(deps, component.lng, component.lat) };
    return { cell: null };
  }
  const reading = await geocoderFor(prisma).geocode(address);
  if (reading && reading.confidence >= deps.config.GEOCODE_MIN_CONFIDENCE) {
    const [lng, lat] = reading.point;
    return { cell: await cellAt(deps, lng, lat), point: { lng, lat }, reading };
  }
  // A coarse grid (a community of one cell) is placed by the community's name.
  const cells = await prisma.gridCell.findMany({ where: { active: true }, orderBy: { code: 'asc' } });
  const byCommunity = cells.filter((c) => address.includes(c.community));
  return { cell: byCommunity.length === 1 ? byCommunity[0]! : null, reading };
}

/**
 * Sends the case to location repair: the row says since when and why, the timeline says so once per
 * job (a redelivered job finds its event by dedupeKey), and the procedure waits for case.located.
 */
async function toRepair(
  deps: Pick<WorkerDeps, 'db'>,
  jobKey: string,
  caseId: string,
  why: string,
  data: Record<string, unknown>,
): Promise<never> {
  const now = new Date();
  await inCaseTransaction(deps.db.prisma, async (tx) => {
    const recorded = await recordEvent(tx, {
      caseId,
      type: 'location_unknown',
      at: now,
      actor: { name: '系统 (定位)' },
      note: why,
      data,
      dedupeKey: `locate:${caseId}:${jobKey}`,
      caseUpdate: { locationRepairAt: now, locationRepairNote: why },
    });
    return recorded;
  });
  throw new BpmnError('LOCATION_UNKNOWN', `case ${caseId}: ${why}`, {});
}

const outOfArea = (lng: number, lat: number) =>
  new BpmnError('OUT_OF_AREA', `location ${lng},${lat} lies outside every grid cell`, {
    voidReason: `位置 (${lng}, ${lat}) 不在本市网格范围内`,
  });

export const locate = defineHandler(async (job, deps) => {
  const row = await loadCase(job, deps);
  const { prisma } = deps.db;
  let cell: GridCell | null;
  let point: { lng: number; lat: number } | undefined;
  if (row.componentId) {
    const component = await prisma.component.findUniqueOrThrow({ where: { id: row.componentId } });
    point = { lng: component.lng, lat: component.lat };
    cell = component.gridCode
      ? await prisma.gridCell.findFirst({ where: { code: component.gridCode, active: true } })
      : null;
    cell ??= await cellAt(deps, component.lng, component.lat);
    if (!cell) throw outOfArea(component.lng, component.lat);
  } else if (row.lng !== null && row.lat !== null) {
    cell = await cellAt(deps, row.lng, row.lat);
    if (!cell) throw outOfArea(row.lng, row.lat);
  } else if (row.address) {
    const found = await cellByAddress(deps, row.address);
    const r = found.reading;
    if (found.point && !found.cell) throw outOfArea(found.point.lng, found.point.lat);
    if (!found.cell) {
      const why = r
        ? `地址「${row.address}」无法可靠定位：最接近的是${r.matched}（可信度 ${r.confidence}${r.doubts.length ? `；${r.doubts.join('；')}` : ''}）`
        : `地址「${row.address}」中没有已知的道路、门牌、小区或地点`;
      return toRepair(deps, job.key, row.id, why, {
        address: row.address,
        reading: r ? { point: r.point, confidence: r.confidence, matched: r.matched, kind: r.kind } : null,
      });
    }
    cell = found.cell;
    if (found.point && r) {
      const geocoded = {
        gridCode: cell.code,
        lng: found.point.lng,
        lat: found.point.lat,
        geocodeConfidence: r.confidence,
        geocodeMatch: r.matched,
      };
      await updateCaseFrom(prisma, row, geocoded);
      return { gridCode: cell.code, streetCode: streetCodeOf(cell.code) };
    }
  } else {
    return toRepair(deps, job.key, row.id, '案件没有位置：没有坐标、部件或地址', {
      address: null,
      reading: null,
    });
  }
  if (row.gridCode !== cell.code || (point && row.lng === null)) {
    const located = {
      gridCode: cell.code,
      ...(point && row.lng === null ? { lng: point.lng, lat: point.lat } : {}),
    };
    await updateCaseFrom(prisma, row, located);
  }
  return { gridCode: cell.code, streetCode: streetCodeOf(cell.code) };
});

export const handlers = { 'hub.case.locate': locate };
