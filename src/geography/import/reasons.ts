/**
 * The geometry checks of geojson.ts in the words of an import report (zh-CN): the checks are shared with
 * the gazetteer API, which answers in the API's English; an import's reader is the administrator who
 * prepared the file. A message this table does not know is passed through rather than lost.
 */
import type { FieldError } from '../../errors.ts';

const KIND_ZH: Record<string, string> = {
  Point: '点',
  LineString: '线',
  MultiLineString: '多线',
  Polygon: '多边形',
  MultiPolygon: '多多边形',
};
const kindZh = (quoted: string) => quoted.replace(/"(\w+)"/g, (_m, k: string) => KIND_ZH[k] ?? k);

const TABLE: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^expected \[longitude, latitude\] numbers$/, () => '坐标应为 [经度, 纬度] 两个数'],
  [/^\[(.+?)\] looks like \[latitude, longitude\]/, (m) => `坐标 [${m[1]}] 经纬度写反了：应为 [经度, 纬度]`],
  [
    /^\[(.+?)\] lies outside the city's extent \((.+?)\)/,
    (m) => `坐标 [${m[1]}] 不在本市范围（${m[2]}）内：坐标系选错或位置有误`,
  ],
  [/^expected an array of at least (\d+) positions$/, (m) => `至少需要 ${m[1]} 个坐标`],
  [/^a linear ring needs at least 4 positions/, () => '多边形的环至少需要 4 个坐标（3 个角点再回到起点）'],
  [/^the ring is not closed/, () => '多边形的环没有闭合：最后一个坐标应与第一个相同'],
  [/^a ring needs at least 3 distinct corners$/, () => '多边形的环至少需要 3 个不同的角点'],
  [
    /^the ring crosses itself: edge (\S+) crosses edge (\S+)$/,
    (m) => `多边形自相交：第 ${m[1]} 条边与第 ${m[2]} 条边交叉`,
  ],
  [/^expected at least one linear ring$/, () => '多边形至少需要一个环'],
  [
    /^expected a GeoJSON geometry \((.+)\)$/,
    (m) => `缺少几何（应为 ${kindZh(m[1]!.replace(/(\w+)/g, '"$1"'))}）`,
  ],
  [/^expected (.+), got (.+)$/, (m) => `几何类型应为${kindZh(m[1]!).replace(/ or /g, '或')}，实际为 ${m[2]}`],
  [/^a line needs two distinct positions$/, () => '线至少需要两个不同的坐标'],
  [/^expected at least one line$/, () => '至少需要一条线'],
  [/^expected at least one polygon$/, () => '至少需要一个多边形'],
  [/^a door address needs its number/, () => '门牌需要门牌号（number 列，如宁海路88号的 88）'],
  [/^a door address belongs to a road or a compound/, () => '门牌必须属于一条道路或一个小区（parent 列）'],
  [/^a community needs its 12-digit code/, () => '社区需要 12 位社区代码（code 列）'],
  [/^numberFrom and numberTo must differ/, () => 'numberFrom 与 numberTo 不能相同（门牌号在两者之间插值）'],
];

/** One error of the geometry or gazetteer checks in words, with where in the geometry it is (`坐标 0.3`). */
export function geometryReason(e: FieldError, prefix: string): string {
  const rest = e.field.startsWith(prefix) ? e.field.slice(prefix.length).replace(/^\./, '') : e.field;
  const where = rest.replace(/^coordinates\.?/, '').replace(/^type$/, '');
  const row = TABLE.map(([re, zh]) => [re.exec(e.message), zh] as const).find(([m]) => m);
  const text = row ? row[1](row[0]!) : e.message;
  return where ? `${text}（坐标位置 ${where}）` : text;
}
