/**
 * An import file as rows: a GeoJSON FeatureCollection (one row per feature, its properties and geometry)
 * or a CSV table with a header line (one row per record; a `geometry` column holds GeoJSON geometry text,
 * `lng`/`lat` columns a point). Every row keeps where it came from (第 3 行 / 第 5 个要素) for the report;
 * a file that cannot be read at all is one refusal naming why. Positions are converted from the declared
 * coordinate system to WGS84 here, before any check, so the city extent is judged in the stored system.
 */
import { toWgs84, type CoordinateSystem } from '../coords.ts';
import { declaredCrs, WGS84_LIKE } from '../geojson.ts';

export type ImportFormat = 'geojson' | 'csv';

export interface SourceRow {
  /** 1-based line of a CSV record (the header is line 1), or null */
  line: number | null;
  /** 1-based position of a GeoJSON feature, or null */
  feature: number | null;
  /** text values of the row's columns / properties (GeoJSON values as given) */
  props: Record<string, unknown>;
  /** the geometry in WGS84 (positions converted), or undefined when the row gives none */
  geometry: unknown;
}

export interface FileRefusal {
  reason: string;
}

/** Where a row is, in the words of the report. */
export const placeOf = (row: Pick<SourceRow, 'line' | 'feature'>) =>
  row.line !== null ? `第 ${row.line} 行` : `第 ${row.feature} 个要素`;

const CRS_LABEL: Record<CoordinateSystem, string> = {
  wgs84: 'WGS84',
  cgcs2000: 'CGCS2000',
  gcj02: 'GCJ-02',
  bd09: 'BD-09',
};
export const crsLabel = (crs: CoordinateSystem) => CRS_LABEL[crs];

/** Every [lng, lat] of a geometry converted; anything that is not a number pair is left for validation. */
function convertPositions(value: unknown, crs: CoordinateSystem): unknown {
  if (!Array.isArray(value)) return value;
  if (value.length >= 2 && typeof value[0] === 'number' && typeof value[1] === 'number') {
    const [lng, lat] = toWgs84([value[0], value[1]], crs);
    return [Math.round(lng * 1e7) / 1e7, Math.round(lat * 1e7) / 1e7];
  }
  return value.map((v) => convertPositions(v, crs));
}

function convertGeometry(geometry: unknown, crs: CoordinateSystem): unknown {
  if (crs === 'wgs84' || crs === 'cgcs2000') return geometry;
  if (typeof geometry !== 'object' || geometry === null) return geometry;
  const g = geometry as { coordinates?: unknown };
  return { ...g, coordinates: convertPositions(g.coordinates, crs) };
}

function readGeoJson(content: string, crs: CoordinateSystem): SourceRow[] | FileRefusal {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch (err) {
    return { reason: `文件不是有效的 GeoJSON（JSON 解析失败：${(err as Error).message}）` };
  }
  const fc = doc as { type?: unknown; features?: unknown };
  if (typeof fc !== 'object' || fc === null || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features))
    return { reason: '文件不是 GeoJSON 要素集合（需要 "type": "FeatureCollection" 和 features 数组）' };
  const named = declaredCrs(doc);
  if (named && !WGS84_LIKE.has(named))
    return {
      reason: `文件声明的坐标参考系 ${named} 不是经纬度坐标（应为 EPSG:4326 或 EPSG:4490）：请先转换为经纬度`,
    };
  if (named && (crs === 'gcj02' || crs === 'bd09'))
    return {
      reason: `文件声明的坐标参考系 ${named}（WGS84/CGCS2000）与导入时选择的 ${crsLabel(crs)} 不符`,
    };
  return fc.features.map((f, i) => {
    const feature = f as { type?: unknown; properties?: unknown; geometry?: unknown } | null;
    const props =
      feature && typeof feature.properties === 'object' && feature.properties !== null
        ? (feature.properties as Record<string, unknown>)
        : {};
    return {
      line: null,
      feature: i + 1,
      props: feature?.type === 'Feature' ? props : { __notFeature: true },
      geometry: feature?.geometry == null ? undefined : convertGeometry(feature.geometry, crs),
    };
  });
}

/** RFC 4180 records with the line each starts on (quoted fields may hold commas, quotes and newlines). */
export function parseCsv(content: string): { line: number; cells: string[] }[] | FileRefusal {
  const text = content.replace(/^\uFEFF/, '');
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      if (cells.some((v) => v.trim() !== '')) records.push({ line: start, cells });
      cells = [];
      cell = '';
      line++;
      start = line;
    } else cell += c;
  }
  if (quoted) return { reason: `第 ${start} 行的引号没有闭合` };
  cells.push(cell);
  if (cells.some((v) => v.trim() !== '')) records.push({ line: start, cells });
  return records;
}

function readCsv(content: string, crs: CoordinateSystem): SourceRow[] | FileRefusal {
  const records = parseCsv(content);
  if (!Array.isArray(records)) return records;
  const [head, ...body] = records;
  if (!head) return { reason: '文件是空的：第 1 行应为列名' };
  const names = head.cells.map((h) => h.trim());
  return body.map(({ line, cells }) => {
    const props: Record<string, unknown> = {};
    names.forEach((n, i) => {
      const v = cells[i]?.trim();
      if (n && v !== undefined && v !== '') props[n] = v;
    });
    if (cells.length > names.length) props.__extraCells = cells.length - names.length;
    let geometry: unknown;
    if (typeof props.geometry === 'string') {
      try {
        geometry = JSON.parse(props.geometry);
      } catch {
        geometry = { __unreadable: props.geometry };
      }
    } else if (props.lng !== undefined || props.lat !== undefined) {
      geometry = { type: 'Point', coordinates: [Number(props.lng), Number(props.lat)] };
    }
    return { line, feature: null, props, geometry: convertGeometry(geometry, crs) };
  });
}

/** The rows of an import file, or the reason it cannot be read. */
export function readSource(
  content: string,
  format: ImportFormat,
  crs: CoordinateSystem,
): SourceRow[] | FileRefusal {
  return format === 'geojson' ? readGeoJson(content, crs) : readCsv(content, crs);
}
