/**
 * hub.case.locate — maps a case's location to its 万米单元网格 cell. In order of precedence:
 * 1. a component (部件) on the case: the component's cell, or its coordinates;
 * 2. coordinates (lng/lat, WGS84): the active cell whose polygon contains the point — the bbox columns
 *    prefilter candidates in SQL, then an exact point-in-polygon test;
 * 3. an address: only codes are matched — a 14-digit grid code or a 16-digit component code written in
 *    the address (as supervisors and hotline operators note them), or the name of a community
 *    (社区) that has exactly one cell. Free-text geocoding needs a gazetteer the hub does not have yet.
 * Coordinates outside every cell → BPMN error OUT_OF_AREA (the case is voided). An address that
 * matches nothing, and a case without any location, are bad input: an incident asks a person to fix
 * the location. The case row gets the cell (and a component's coordinates).
 */
import { inCaseTransaction, updateCase } from '../src/cases/state/index.ts';
import { validationError } from '../src/errors.ts';
import type { GridCell } from '../src/db/index.ts';
import { cellAt as gridCellAt } from '../src/geography/grid.ts';
import { BpmnError, defineHandler, loadCase, type WorkerDeps } from './job.ts';

/** 14-digit grid code → street code: county (6) + street (3). */
export const streetCodeOf = (gridCode: string) => gridCode.slice(0, 9);

/** The active cell containing the point, or null (src/geography/grid.ts: in-memory R-tree + exact test). */
export const cellAt = (deps: Pick<WorkerDeps, 'db'>, lng: number, lat: number): Promise<GridCell | null> =>
  gridCellAt(deps.db.prisma, lng, lat);

async function cellByAddress(deps: Pick<WorkerDeps, 'db'>, address: string): Promise<GridCell | null> {
  const { prisma } = deps.db;
  const gridCode = /(?<!\d)(\d{14})(?!\d)/.exec(address)?.[1];
  if (gridCode) return prisma.gridCell.findFirst({ where: { code: gridCode, active: true } });
  const componentCode = /(?<!\d)(\d{16})(?!\d)/.exec(address)?.[1];
  if (componentCode) {
    const component = await prisma.component.findUnique({ where: { code: componentCode } });
    if (component?.gridCode)
      return prisma.gridCell.findFirst({ where: { code: component.gridCode, active: true } });
    if (component) return cellAt(deps, component.lng, component.lat);
    return null;
  }
  const cells = await prisma.gridCell.findMany({ where: { active: true }, orderBy: { code: 'asc' } });
  const byCommunity = cells.filter((c) => address.includes(c.community));
  return byCommunity.length === 1 ? byCommunity[0]! : null;
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
    cell = await cellByAddress(deps, row.address);
    if (!cell)
      throw validationError(
        `case ${row.id}: address "${row.address}" names no grid cell (give coordinates, a grid or component code)`,
      );
  } else {
    throw validationError(`case ${row.id} has no location (coordinates, component or address)`);
  }
  if (row.gridCode !== cell.code || (point && row.lng === null)) {
    const located = {
      gridCode: cell.code,
      ...(point && row.lng === null ? { lng: point.lng, lat: point.lat } : {}),
    };
    await inCaseTransaction(prisma, (tx) => updateCase(tx, row.id, located));
  }
  return { gridCode: cell.code, streetCode: streetCodeOf(cell.code) };
});

export const handlers = { 'hub.case.locate': locate };
