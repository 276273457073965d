/**
 * Imports of the city's geography: the gazetteer (地名地址), the grid (单元网格 with its 责任网格
 * supervisors) and the components (部件), from GeoJSON or CSV in a declared coordinate system. Every
 * row is checked first; only a file with no refused row is stored, all of it in one transaction (an
 * error while writing rolls everything back). The report says what was read, added, updated and refused
 * (where and why, in zh-CN). `dryRun` checks without storing.
 *
 * The component import is the entry point of the 部件 registry: `importComponents` (components.ts) is a
 * Target like the others and can be reused by a registry module without the HTTP route.
 */
import type { PrismaClient } from '../../db/index.ts';
import type { CoordinateSystem } from '../coords.ts';
import type { Extent } from '../geojson.ts';
import { importComponents } from './components.ts';
import { importGazetteer } from './gazetteer.ts';
import { importGrid } from './grid.ts';
import { readSource, type ImportFormat } from './source.ts';
import type { Rejection, Target } from './target.ts';
import type { ComponentChange } from './components.ts';

export type { ImportFormat } from './source.ts';
export type { Rejection, Target, Prepared, TargetContext } from './target.ts';
export {
  importComponents,
  COMPONENT_STATUS_LABELS,
  adminDivisions,
  type ComponentChange,
  type FieldChange,
} from './components.ts';

export const IMPORT_TARGETS = ['gazetteer', 'grid', 'components'] as const;
export type ImportTarget = (typeof IMPORT_TARGETS)[number];

const TARGETS: Record<ImportTarget, Target> = {
  gazetteer: importGazetteer,
  grid: importGrid,
  components: importComponents,
};

export interface ImportRequest {
  target: ImportTarget;
  format: ImportFormat;
  /** what the file's positions are in; they are stored in WGS84 */
  crs: CoordinateSystem;
  content: string;
  /** check and report, store nothing */
  dryRun?: boolean;
  /** who imports: the components' history names them */
  actor?: { userId: string | null; name: string };
}

export interface ImportReport {
  target: ImportTarget;
  format: ImportFormat;
  crs: CoordinateSystem;
  /** whether the rows were written (false: refused, or a dry run) */
  stored: boolean;
  dryRun: boolean;
  rowsRead: number;
  added: number;
  updated: number;
  rejected: Rejection[];
  /** components: what a re-survey changed (empty when nothing was refused is not implied: see `stored`) */
  changes?: ComponentChange[];
  /** components: matched a stored component and changed nothing */
  unchanged?: number;
}

export interface GeoImporter {
  run(request: ImportRequest): Promise<ImportReport>;
}

/** Longest an import's transaction may take (a city's grid and components are thousands of rows). */
const WRITE_TIMEOUT_MS = 5 * 60_000;

export function createGeoImporter(deps: { prisma: PrismaClient; extent: Extent }): GeoImporter {
  return {
    async run(request) {
      return { target: request.target, ...(await importRows(deps, TARGETS[request.target], request)) };
    },
  };
}

/**
 * Reads a file and runs one target over its rows: every row checked, nothing stored unless no row was
 * refused (then all in one transaction), nothing at all on a dry run. A registry outside geography (广告店招)
 * passes its own Target.
 */
export async function importRows(
  deps: { prisma: PrismaClient; extent: Extent },
  prepare: Target,
  { format, crs, content, dryRun = false, actor }: Omit<ImportRequest, 'target'>,
): Promise<Omit<ImportReport, 'target'>> {
  const base = { format, crs, dryRun, stored: false, added: 0, updated: 0 };
  const rows = readSource(content, format, crs);
  if (!Array.isArray(rows))
    return {
      ...base,
      rowsRead: 0,
      rejected: [{ at: '文件', line: null, feature: null, reason: rows.reason }],
    };
  if (rows.length === 0)
    return {
      ...base,
      rowsRead: 0,
      rejected: [{ at: '文件', line: null, feature: null, reason: '文件里没有数据行' }],
    };
  const prepared = await prepare(rows, { ...deps, actor });
  const report = {
    ...base,
    rowsRead: rows.length,
    added: prepared.added,
    updated: prepared.updated,
    rejected: prepared.rejected,
    ...(prepared.changes ? { changes: prepared.changes, unchanged: prepared.unchanged ?? 0 } : {}),
  };
  // A refused file adds and updates nothing; a dry run says what it would do.
  if (prepared.rejected.length)
    return {
      ...report,
      added: 0,
      updated: 0,
      ...(prepared.changes ? { changes: [], unchanged: 0 } : {}),
    };
  if (dryRun) return report;
  await deps.prisma.$transaction((tx) => prepared.write(tx), {
    timeout: WRITE_TIMEOUT_MS,
    maxWait: 30_000,
  });
  return { ...report, stored: true };
}
