/**
 * The Rugao (如皋) demo geography: the 万米 grid at real scale (≈100 m cells, 3,500 of them over the
 * ~35 km² of domain.md §0) and a gazetteer for it — roads with house numbers, communities (社区),
 * residential compounds (小区) with their buildings, and a few hundred points of interest.
 *
 * THIS IS A BELIEVABLE INVENTION, NOT A SURVEY: the road names are 如城's and the development zone's
 * (海阳路, 宁海路, 福寿路, 中山路, 益寿路, 万寿路, 大司马路, 解放路 …), laid out as a plausible street grid
 * around the town centre (~32.38 N, 120.57 E); positions, numbering and most names of shops and
 * compounds are made up. Everything is computed from the constants below with a seeded generator, so
 * every run (and every test) gets the same data, with no network fetch. A city replaces all of it by
 * importing its own data (src/geography/import.ts).
 *
 * The generator also answers where things "really" are (doorPoint): the geocoding accuracy fixture takes
 * its truth from there, while the gazetteer holds one pair of house numbers in four (real 门牌 data is
 * never complete), so the geocoder has to interpolate between them.
 */
import { COUNTY_CODE } from './demo-data.ts';

/** Metres per degree of latitude; a degree of longitude is this times cos(latitude). */
export const METRES_PER_DEGREE = 111_320;
const REF_LAT = 32.38;
const M_PER_DEG_LNG = METRES_PER_DEGREE * Math.cos((REF_LAT * Math.PI) / 180);
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
export type LngLat = [lng: number, lat: number];

/** Moves a point by metres east (dx) and north (dy). */
export const offset = ([lng, lat]: LngLat, dx: number, dy: number): LngLat => [
  round6(lng + dx / M_PER_DEG_LNG),
  round6(lat + dy / METRES_PER_DEGREE),
];

/** Deterministic pseudo-random numbers (mulberry32): the same demo data on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------
// Grid
// ---------------------------------------------------------------------------------------------------

export interface DemoArea {
  /** 3-digit street code within the county */
  streetCode: string;
  street: string;
  /** south-west corner */
  lng: number;
  lat: number;
  /** cells east and north; each cell is CELL_METRES square */
  cols: number;
  rows: number;
  areaClass: number;
  /** community names (社区), west to east then north to south, one per COMMUNITY_COLS × COMMUNITY_ROWS block */
  communities: string[];
}

/** 万米单元网格: ≈100 m × 100 m (domain.md §7). */
export const CELL_METRES = 100;
/** A community is a block of 10 × 5 cells (1 km × 500 m): at most 99 cells, as the 2-digit sequence allows. */
export const COMMUNITY_COLS = 10;
export const COMMUNITY_ROWS = 5;

/**
 * The main town (~20 km²: 城北街道 north of 中山路, 城南街道 south of it) and the development zone (~15 km²,
 * south-east), as in domain.md §0: 1,000 + 1,000 + 1,500 = 3,500 cells.
 */
export const AREAS: DemoArea[] = [
  {
    streetCode: '001',
    street: '城北街道',
    lng: 120.545,
    lat: 32.383,
    cols: 50,
    rows: 20,
    areaClass: 1,
    communities: [
      ...['长寿', '百岁', '龙游', '水绘', '雉水'],
      ...['北门', '福寿', '集贤', '文峰', '大司马'],
      ...['仁寿', '花市', '东皋', '碧霞', '惠政'],
      ...['安定', '平园', '海阳', '丁堰', '皋东'],
    ].map((n) => `${n}社区`),
  },
  {
    streetCode: '002',
    street: '城南街道',
    lng: 120.545,
    lat: 32.365,
    cols: 50,
    rows: 20,
    areaClass: 1,
    communities: [
      ...['中山', '益寿', '南门', '万寿', '解放'],
      ...['迎春', '桃园', '玉带', '如意', '红星'],
      ...['宁海', '通扬', '跃龙', '拱极', '宝塔'],
      ...['梅林', '荷花', '白塔', '紫薇', '城隍'],
    ].map((n) => `${n}社区`),
  },
  {
    streetCode: '003',
    street: '如皋经济技术开发区',
    lng: 120.605,
    lat: 32.335,
    cols: 50,
    rows: 30,
    areaClass: 2,
    communities: [
      ...['创业', '鹏程', '科技', '光明', '新园'],
      ...['锦绣', '新桥', '双桥', '顾庄', '丰乐'],
      ...['兴源', '深圳', '上海', '杭州', '广州'],
      ...['吴窑', '金桥', '银杏', '凤凰', '天成'],
      ...['惠民', '华庄', '九华', '永平', '常青'],
      ...['翠园', '朝阳', '阳光', '泰和', '利民'],
    ].map((n) => `${n}社区`),
  },
];

export interface DemoCell {
  code: string;
  street: string;
  community: string;
  areaClass: number;
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

const cellDegrees = (area: Pick<DemoArea, 'lat'>) => ({
  dLat: CELL_METRES / METRES_PER_DEGREE,
  dLng: CELL_METRES / (METRES_PER_DEGREE * Math.cos((area.lat * Math.PI) / 180)),
});

/**
 * The cells of one area. Codes per domain.md §1: county (6) + street (3) + community (3) + sequence (2);
 * communities and the cells inside a community are numbered west to east, north to south.
 */
export function areaCells(area: DemoArea): DemoCell[] {
  const { dLat, dLng } = cellDegrees(area);
  const perRow = Math.ceil(area.cols / COMMUNITY_COLS);
  const blockRows = Math.ceil(area.rows / COMMUNITY_ROWS);
  const cells: DemoCell[] = [];
  for (let r = 0; r < area.rows; r++) {
    const fromTop = area.rows - 1 - r;
    for (let c = 0; c < area.cols; c++) {
      const block = Math.floor(fromTop / COMMUNITY_ROWS) * perRow + Math.floor(c / COMMUNITY_COLS);
      const seq = (fromTop % COMMUNITY_ROWS) * COMMUNITY_COLS + (c % COMMUNITY_COLS) + 1;
      cells.push({
        code: communityCode(area, block) + String(seq).padStart(2, '0'),
        street: area.street,
        community: area.communities[block] ?? `${area.street}第${block + 1}社区`,
        areaClass: area.areaClass,
        minLng: round6(area.lng + c * dLng),
        minLat: round6(area.lat + r * dLat),
        maxLng: round6(area.lng + (c + 1) * dLng),
        maxLat: round6(area.lat + (r + 1) * dLat),
      });
    }
  }
  if (blockRows * perRow > area.communities.length)
    throw new Error(
      `${area.street}: ${blockRows * perRow} community blocks, ${area.communities.length} names`,
    );
  return cells;
}

const communityCode = (area: DemoArea, block: number) =>
  COUNTY_CODE + area.streetCode + String(block + 1).padStart(3, '0');

export const demoCells = (): DemoCell[] => AREAS.flatMap(areaCells);

// ---------------------------------------------------------------------------------------------------
// Gazetteer
// ---------------------------------------------------------------------------------------------------

export interface DemoDoor {
  number: number;
  point: LngLat;
}

export interface DemoRoad {
  name: string;
  aliases: string[];
  /** 主干路, 次干路, 支路 */
  category: string;
  /** from house number 1 onwards */
  line: LngLat[];
  numberTo: number;
  /** the door rows stored in the gazetteer (one pair of numbers in four: real 门牌 data is never complete) */
  doors: DemoDoor[];
}

export interface DemoPlace {
  name: string;
  aliases: string[];
  ring: LngLat[];
  /** community: its 12-digit code and street */
  code?: string;
  street?: string;
  /** estate: its buildings (栋), numbered from 1 */
  buildings?: DemoDoor[];
}

export interface DemoPoi {
  name: string;
  aliases: string[];
  category: string;
  point: LngLat;
  /** the address it has on a road, e.g. 宁海路88号, when it stands at a door */
  address?: string;
}

export interface DemoGeography {
  roads: DemoRoad[];
  communities: DemoPlace[];
  estates: DemoPlace[];
  pois: DemoPoi[];
}

// Lines of the street grid. North–south roads by longitude, east–west roads by latitude. 中山路 runs
// between 城北街道 and 城南街道; roads crossing the centre change name there (北路/南路) or at 海阳路
// (东路/西路), and house numbers start at that change, counting outwards, as Chinese towns number them.
const ZHONGSHAN_LAT = 32.383;
const HAIYANG_LNG = 120.561;
const TOWN = { west: 120.5455, east: 120.598, south: 32.3655, north: 32.4005 };
const ZONE = { west: 120.6055, east: 120.658, south: 32.3355, north: 32.3615 };

interface Axis {
  base: string;
  /** 南北 halves split at 中山路, or 东西 halves split at 海阳路, or one road */
  split?: boolean;
  suffix?: string;
  at: number;
  from: number;
  to: number;
  category: string;
}

const NS_TOWN: Axis[] = [
  { base: '益寿', split: true, at: 120.552, from: TOWN.south, to: TOWN.north, category: '次干路' },
  { base: '海阳', split: true, at: HAIYANG_LNG, from: TOWN.south, to: TOWN.north, category: '主干路' },
  { base: '万寿', split: true, at: 120.57, from: TOWN.south, to: TOWN.north, category: '次干路' },
  { base: '大司马', at: 120.5785, from: TOWN.south, to: TOWN.north, category: '次干路' },
  { base: '解放', at: 120.588, from: TOWN.south, to: TOWN.north, category: '主干路' },
  { base: '通扬', at: 120.5955, from: TOWN.south, to: 32.392, category: '支路' },
];
const EW_TOWN: Axis[] = [
  { base: '长寿', at: 32.3975, from: TOWN.west, to: TOWN.east, category: '次干路' },
  { base: '福寿', split: true, at: 32.3915, from: TOWN.west, to: TOWN.east, category: '主干路' },
  { base: '花市', suffix: '街', at: 32.387, from: 120.552, to: 120.5785, category: '支路' },
  { base: '中山', split: true, at: ZHONGSHAN_LAT, from: TOWN.west, to: TOWN.east, category: '主干路' },
  { base: '惠政', at: 32.3792, from: 120.552, to: 120.588, category: '支路' },
  { base: '宁海', at: 32.375, from: TOWN.west, to: TOWN.east, category: '主干路' },
  { base: '百岁', at: 32.369, from: TOWN.west, to: TOWN.east, category: '次干路' },
];
const NS_ZONE: Axis[] = [
  { base: '深圳', at: 120.613, from: ZONE.south, to: ZONE.north, category: '次干路' },
  { base: '上海', at: 120.626, from: ZONE.south, to: ZONE.north, category: '主干路' },
  { base: '杭州', at: 120.639, from: ZONE.south, to: ZONE.north, category: '次干路' },
  { base: '广州', at: 120.651, from: ZONE.south, to: ZONE.north, category: '支路' },
];
const EW_ZONE: Axis[] = [
  { base: '创业', at: 32.357, from: ZONE.west, to: ZONE.east, category: '次干路' },
  { base: '兴源', suffix: '大道', at: 32.348, from: ZONE.west, to: ZONE.east, category: '主干路' },
  { base: '惠民', at: 32.339, from: ZONE.west, to: ZONE.east, category: '次干路' },
];

/** Metres between two points (planar: fine at city scale). */
export function metres(a: LngLat, b: LngLat): number {
  return Math.hypot((a[0] - b[0]) * M_PER_DEG_LNG, (a[1] - b[1]) * METRES_PER_DEGREE);
}

/**
 * A straight-ish line from `start` to `end` with a gentle deterministic bend every ~400 m (real roads
 * are not ruler lines; the bends stay within 12 m of the axis so the roads still cross where expected).
 */
function bentLine(start: LngLat, end: LngLat, rnd: () => number): LngLat[] {
  const length = metres(start, end);
  const steps = Math.max(1, Math.round(length / 400));
  const ux = ((end[0] - start[0]) * M_PER_DEG_LNG) / length;
  const uy = ((end[1] - start[1]) * METRES_PER_DEGREE) / length;
  const line: LngLat[] = [[round6(start[0]), round6(start[1])]];
  for (let i = 1; i < steps; i++) {
    const along = (length * i) / steps;
    const side = (rnd() - 0.5) * 24;
    line.push(offset(start, ux * along - uy * side, uy * along + ux * side));
  }
  line.push([round6(end[0]), round6(end[1])]);
  return line;
}

/** The point `distance` metres along the line and the line's unit direction there (east, north). */
export function along(line: LngLat[], distance: number): { point: LngLat; dir: [number, number] } {
  let left = distance;
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1]!;
    const b = line[i]!;
    const seg = metres(a, b);
    if (left <= seg || i === line.length - 1) {
      const t = seg === 0 ? 0 : Math.min(1, Math.max(0, left / seg));
      const dir: [number, number] = [
        ((b[0] - a[0]) * M_PER_DEG_LNG) / (seg || 1),
        ((b[1] - a[1]) * METRES_PER_DEGREE) / (seg || 1),
      ];
      return { point: [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t], dir };
    }
    left -= seg;
  }
  return { point: line[0]!, dir: [1, 0] };
}

export const lineLength = (line: LngLat[]) =>
  line.slice(1).reduce((sum, p, i) => sum + metres(line[i]!, p), 0);

/** Metres of frontage per house number, on average (odd numbers on the left, even on the right). */
const FRONTAGE = 7;
/** Distance of a door from the road's centre line. */
const SETBACK = 15;

interface RoadTruth {
  road: DemoRoad;
  /** distance along the line of every house number, index = number */
  positions: number[];
}

function numberRoad(
  name: string,
  aliases: string[],
  category: string,
  line: LngLat[],
  seed: number,
): RoadTruth {
  const rnd = random(seed);
  const length = lineLength(line);
  const positions = [0];
  let d = 4;
  // Numbers come in pairs (odd left, even right) that face each other, with uneven frontages.
  for (let n = 1; d < length - 4; n += 2) {
    positions[n] = d;
    positions[n + 1] = d + (rnd() - 0.5) * 6;
    d += 2 * FRONTAGE * (0.5 + rnd());
  }
  const numberTo = positions.length - 1;
  const road: DemoRoad = { name, aliases, category, line, numberTo, doors: [] };
  const truth = { road, positions };
  for (let n = 1; n <= numberTo; n++) {
    if (n % 8 === 1 || n % 8 === 2) road.doors.push({ number: n, point: doorOf(truth, n) });
  }
  return truth;
}

function doorOf({ road, positions }: RoadTruth, n: number): LngLat {
  const { point, dir } = along(road.line, Math.min(positions[n]!, lineLength(road.line)));
  // Left of the direction of travel is (−dir.y, dir.x).
  const side = n % 2 === 1 ? SETBACK : -SETBACK;
  return offset(point, -dir[1] * side, dir[0] * side);
}

const roadName = (axis: Axis, half?: string) => `${axis.base}${half ?? ''}${axis.suffix ?? '路'}`;

function axisRoads(axes: Axis[], ns: boolean, splitAt: number, seedBase: number): RoadTruth[] {
  const out: RoadTruth[] = [];
  axes.forEach((axis, i) => {
    const rnd = random(seedBase + i * 7919);
    const pt = (v: number): LngLat => (ns ? [axis.at, v] : [v, axis.at]);
    const base = `${axis.base}${axis.suffix ?? '路'}`;
    if (axis.split) {
      const [low, high] = ns ? ['南', '北'] : ['西', '东'];
      // Each half starts at the centre line and counts outwards.
      const lowLine = bentLine(pt(splitAt), pt(axis.from), rnd);
      const highLine = bentLine(pt(splitAt), pt(axis.to), rnd);
      out.push(numberRoad(roadName(axis, low), [base], axis.category, lowLine, seedBase + i * 31 + 1));
      out.push(numberRoad(roadName(axis, high), [base], axis.category, highLine, seedBase + i * 31 + 2));
    } else {
      out.push(
        numberRoad(base, [], axis.category, bentLine(pt(axis.from), pt(axis.to), rnd), seedBase + i * 31),
      );
    }
  });
  return out;
}

const ESTATE_NAMES_TOWN = [
  ...['长寿新村', '百岁小区', '龙游湾花园', '水绘名都', '雉水小区', '北门新村', '福寿小区', '集贤苑'],
  ...['文峰花园', '大司马花园', '仁寿里', '花市小区', '东皋小区', '碧霞小区', '惠政小区', '安定新村'],
  ...['平园小区', '海阳花园', '丁堰新村', '中山小区', '益寿苑', '南门新村', '万寿家园', '解放新村'],
  ...['迎春花园', '桃园小区', '玉带华庭', '如意小区', '红星新村', '宁海新村', '通扬小区', '跃龙苑'],
];
const ESTATE_NAMES_ZONE = [
  ...['创业新村', '鹏程家园', '科技城公寓', '光明小区', '兴源花园', '锦绣华庭', '金桥花苑', '凤凰城'],
  ...['惠民小区', '阳光城', '翠园', '天成花园'],
];

/**
 * Compounds fill the blocks between roads: one or two per block (west and east halves), each a
 * rectangle 40 m inside the block's roads, at most 320 m × 260 m, with buildings in rows 50 m apart.
 */
function estatesIn(
  lngs: number[],
  lats: number[],
  names: string[],
  seed: number,
): { estate: DemoPlace; buildings: DemoDoor[] }[] {
  const rnd = random(seed);
  const out: { estate: DemoPlace; buildings: DemoDoor[] }[] = [];
  const blocks: [number, number, number, number][] = [];
  for (let j = lats.length - 2; j >= 0; j--)
    for (let i = 0; i + 1 < lngs.length; i++) blocks.push([lngs[i]!, lats[j]!, lngs[i + 1]!, lats[j + 1]!]);
  let next = 0;
  for (const [w, s, e, n] of blocks) {
    const widthM = (e - w) * M_PER_DEG_LNG;
    const halves = widthM > 700 ? 2 : 1;
    for (let h = 0; h < halves && next < names.length; h++) {
      const x0 = w + ((e - w) * h) / halves;
      const x1 = w + ((e - w) * (h + 1)) / halves;
      const sw = offset([x0, s], 40, 40);
      const ne = offset([x1, n], -40, -40);
      const wM = Math.min(320, (ne[0] - sw[0]) * M_PER_DEG_LNG);
      const hM = Math.min(260, (ne[1] - sw[1]) * METRES_PER_DEGREE);
      if (wM < 120 || hM < 100) continue;
      // Not centred: compounds sit toward one corner of their block, varying by block.
      const free = [(ne[0] - sw[0]) * M_PER_DEG_LNG - wM, (ne[1] - sw[1]) * METRES_PER_DEGREE - hM];
      const a = offset(sw, free[0]! * rnd(), free[1]! * rnd());
      const b = offset(a, wM, hM);
      const ring: LngLat[] = [a, [b[0], a[1]], b, [a[0], b[1]], a];
      const name = names[next++]!;
      const buildings: DemoDoor[] = [];
      let number = 1;
      // Rows of buildings from the south gate northwards, numbered west to east.
      for (let y = 30; y <= hM - 25; y += 50)
        for (let x = 30; x <= wM - 25; x += 60) buildings.push({ number: number++, point: offset(a, x, y) });
      out.push({ estate: { name, aliases: [], ring, buildings }, buildings });
    }
  }
  return out;
}

/** Hand-placed landmarks: [name, aliases, category, N–S road lng, E–W road lat, metres east, metres north]. */
const LANDMARKS: [string, string[], string, number, number, number, number][] = [
  ['如皋市人民政府', ['市政府'], '政府机关', 120.57, 32.3915, 80, 90],
  ['如皋市人民医院', ['人民医院', '市人民医院'], '医院', HAIYANG_LNG, 32.375, 90, 70],
  ['如皋市中医院', ['中医院'], '医院', 120.5785, ZHONGSHAN_LAT, 70, -80],
  ['如皋博物馆', ['博物馆'], '文化场馆', 120.57, 32.387, 90, 60],
  ['水绘园', ['水绘园景区'], '公园', 120.5785, 32.3915, 120, -150],
  ['龙游湖公园', ['龙游湖'], '公园', 120.552, 32.3975, -60, -120],
  ['如皋中学', [], '学校', 120.552, 32.3915, 100, 100],
  ['如城实验小学', ['实验小学'], '学校', 120.57, 32.369, 80, 70],
  ['安定小学', [], '学校', 120.5785, 32.3792, -80, 60],
  ['如皋市第一中学', ['一中'], '学校', 120.588, 32.375, 90, -90],
  ['如皋汽车客运站', ['汽车站', '客运站'], '交通设施', 120.588, 32.369, 110, -100],
  ['文峰大世界', ['文峰'], '商场', HAIYANG_LNG, ZHONGSHAN_LAT, 60, 50],
  ['中山路步行街', ['步行街'], '商业街', 120.5655, ZHONGSHAN_LAT, 0, 20],
  ['宁海路农贸市场', ['宁海菜场'], '市场', 120.5581, 32.375, 0, -45],
  ['如皋市图书馆', ['图书馆'], '文化场馆', 120.5785, 32.3975, 90, -80],
  ['如皋市体育馆', ['体育馆'], '体育场馆', 120.588, 32.3975, -110, -110],
  ['市民广场', [], '广场', 120.57, ZHONGSHAN_LAT, 120, -60],
  ['城北街道办事处', [], '政府机关', 120.57, 32.3975, -70, -60],
  ['城南街道办事处', [], '政府机关', 120.57, 32.375, -70, -60],
  ['如城派出所', [], '政府机关', 120.552, ZHONGSHAN_LAT, 60, 60],
  ['如皋市消防救援大队', ['消防大队'], '政府机关', 120.5955, 32.3792, -60, 50],
  ['如皋邮政局', ['邮政局'], '邮政', 120.5785, ZHONGSHAN_LAT, -60, 40],
  ['大润发如皋店', ['大润发'], '超市', 120.588, 32.3915, 80, -70],
  ['万达广场', ['如皋万达'], '商场', 120.588, ZHONGSHAN_LAT, 130, -120],
  ['如皋市妇幼保健院', ['妇幼保健院'], '医院', 120.552, 32.375, 80, -70],
  ['东皋公园', [], '公园', 120.5955, 32.3975, -120, -100],
  ['如皋经济技术开发区管委会', ['开发区管委会'], '政府机关', 120.626, 32.348, 90, 80],
  ['如皋高新技术创业园', ['创业园'], '产业园', 120.639, 32.357, 120, -150],
  ['如皋港物流中心', ['物流中心'], '产业园', 120.651, 32.339, -150, 100],
  ['开发区实验学校', [], '学校', 120.613, 32.348, 90, -90],
  ['如皋东站', ['高铁站', '火车站'], '交通设施', 120.639, 32.339, 60, -60],
  ['开发区社区卫生服务中心', ['开发区卫生院'], '医院', 120.626, 32.357, -80, -70],
];

/** Chains with a branch on many roads: "<brand><road>店" / "<brand><road>支行". */
const CHAINS: [brand: string, category: string, branch: string][] = [
  ['中国银行', '银行', '支行'],
  ['工商银行', '银行', '支行'],
  ['农业银行', '银行', '支行'],
  ['建设银行', '银行', '支行'],
  ['如皋农商银行', '银行', '支行'],
  ['苏果超市', '超市', '店'],
  ['华润万家', '超市', '店'],
  ['老百姓大药房', '药店', '店'],
  ['同仁堂药店', '药店', '店'],
  ['肯德基', '餐饮', '店'],
  ['如皋董糖', '特产', '店'],
  ['中国移动', '营业厅', '营业厅'],
  ['中国电信', '营业厅', '营业厅'],
  ['中国石化加油站', '加油站', '站'],
  ['顺丰速运', '快递', '营业点'],
  ['白蒲茶干', '特产', '店'],
];

/** The road's name without 东/西/南/北 and the road word: 海阳南路 → 海阳. */
const stem = (road: string) => road.replace(/(东|西|南|北)?(路|街|大道)$/, '');

/** Everything at once: the same output on every call. */
export function demoGeography(): DemoGeography & { truth: Map<string, RoadTruth> } {
  const truths = [
    ...axisRoads(NS_TOWN, true, ZHONGSHAN_LAT, 101),
    ...axisRoads(EW_TOWN, false, HAIYANG_LNG, 211),
    ...axisRoads(NS_ZONE, true, 0, 307),
    ...axisRoads(EW_ZONE, false, 0, 401),
  ];
  const truth = new Map(truths.map((t) => [t.road.name, t]));
  const roads = truths.map((t) => t.road);

  const communities: DemoPlace[] = [];
  for (const area of AREAS) {
    const { dLat, dLng } = cellDegrees(area);
    const perRow = Math.ceil(area.cols / COMMUNITY_COLS);
    area.communities.forEach((name, block) => {
      const top = area.lat + area.rows * dLat;
      const w = round6(area.lng + (block % perRow) * COMMUNITY_COLS * dLng);
      const e = round6(area.lng + Math.min(area.cols, ((block % perRow) + 1) * COMMUNITY_COLS) * dLng);
      const n = round6(top - Math.floor(block / perRow) * COMMUNITY_ROWS * dLat);
      const s = round6(Math.max(area.lat, top - (Math.floor(block / perRow) + 1) * COMMUNITY_ROWS * dLat));
      communities.push({
        name,
        aliases: [],
        ring: [
          [w, s],
          [e, s],
          [e, n],
          [w, n],
          [w, s],
        ],
        code: communityCode(area, block),
        street: area.street,
      });
    });
  }

  const townLngs = [TOWN.west, ...NS_TOWN.map((a) => a.at), TOWN.east];
  const townLats = [
    TOWN.south,
    ...EW_TOWN.filter((a) => a.base !== '花市').map((a) => a.at),
    TOWN.north,
  ].sort();
  const zoneLngs = [ZONE.west, ...NS_ZONE.map((a) => a.at), ZONE.east];
  const zoneLats = [ZONE.south, ...EW_ZONE.map((a) => a.at), ZONE.north].sort();
  const estates = [
    ...estatesIn(townLngs, townLats, ESTATE_NAMES_TOWN, 503),
    ...estatesIn(zoneLngs, zoneLats, ESTATE_NAMES_ZONE, 601),
  ].map((e) => e.estate);

  const pois: DemoPoi[] = LANDMARKS.map(([name, aliases, category, lng, lat, dx, dy]) => ({
    name,
    aliases,
    category,
    point: offset([lng, lat], dx, dy),
  }));
  // Bus stops at the crossings, named after both roads as the bus company does.
  const crossings = (ns: Axis[], ew: Axis[]) =>
    ns.flatMap((a) =>
      ew
        .filter((b) => a.at >= b.from && a.at <= b.to && b.at >= a.from && b.at <= a.to)
        .map((b) => ({ a, b })),
    );
  for (const { a, b } of [...crossings(NS_TOWN, EW_TOWN), ...crossings(NS_ZONE, EW_ZONE)]) {
    const aName = `${a.base}${a.suffix ?? '路'}`;
    const bName = `${b.base}${b.suffix ?? '路'}`;
    pois.push({
      name: `${aName}${bName}口站`,
      aliases: [`${bName}${aName}口站`],
      category: '公交站',
      point: offset([a.at, b.at], 30, 25),
    });
  }
  // Chain branches at house numbers along the roads.
  const rnd = random(701);
  for (const t of truths) {
    const count = Math.max(2, Math.round(lineLength(t.road.line) / 250));
    const used = new Set<string>();
    for (let k = 0; k < count; k++) {
      const [brand, category, branch] = CHAINS[Math.floor(rnd() * CHAINS.length)]!;
      const name = `${brand}${stem(t.road.name)}${branch}`;
      if (used.has(name) || pois.some((p) => p.name === name)) continue;
      used.add(name);
      const number = 1 + Math.floor(rnd() * t.road.numberTo);
      pois.push({
        name,
        aliases: [],
        category,
        point: doorOf(t, number),
        address: `${t.road.name}${number}号`,
      });
    }
  }
  return { roads, communities, estates, pois, truth };
}

/** Where house number `n` of `road` really is (the fixture's truth; the gazetteer stores one pair in four). */
export function doorPoint(geo: ReturnType<typeof demoGeography>, road: string, n: number): LngLat {
  const t = geo.truth.get(road);
  if (!t) throw new Error(`no demo road ${road}`);
  if (n < 1 || t.positions[n] === undefined)
    throw new Error(`${road} has no number ${n} (1..${t.road.numberTo})`);
  return doorOf(t, n);
}

/** Where two demo roads cross, by their straight axes (the drawn lines bend at most 12 m off them). */
export function demoCrossing(a: string, b: string): LngLat {
  const axisOf = (name: string) => {
    for (const [axes, ns] of [
      [NS_TOWN, true],
      [NS_ZONE, true],
      [EW_TOWN, false],
      [EW_ZONE, false],
    ] as const) {
      for (const axis of axes) {
        const halves = axis.split ? (ns ? ['南', '北'] : ['西', '东']) : [undefined];
        if (halves.some((h) => roadName(axis, h) === name)) return { ns, at: axis.at };
      }
    }
    throw new Error(`no demo road ${name}`);
  };
  const [x, y] = [axisOf(a), axisOf(b)];
  if (x.ns === y.ns) throw new Error(`${a} and ${b} run the same way`);
  return x.ns ? [x.at, y.at] : [y.at, x.at];
}
