/**
 * Forward and reverse geocoding of Chinese addresses against the gazetteer (gazetteer.ts).
 *
 * Forward: the text is normalised (full-width digits and letters, Chinese numerals before 号/栋/米,
 * punctuation, the administrative prefix 江苏省/南通市/如皋市/如城街道 …), then every name of the
 * gazetteer is searched in it by approximate substring matching (edit distance; names of 4+ characters
 * tolerate one typo, 7+ two; 路/街/大道 are interchangeable at a small cost; a road's alias such as
 * 海阳路 stands for both 海阳南路 and 海阳北路). The best non-overlapping mentions decide what the address
 * is, most precise first: a building of a compound (福寿小区3栋), a house number on a road (宁海路88号,
 * interpolated between the door rows of the same side), a crossing of two roads (海阳南路与宁海路交叉口),
 * a point of interest, a compound, a community, a road alone. Directions (东侧, 往北50米) move the point.
 *
 * The confidence (0..1) starts from how precise the kind of answer is and drops for each typo, each
 * variant, an ambiguity (海阳路88号 exists on both halves) and mentions that disagree by more than 300 m.
 * A caller compares it with GEOCODE_MIN_CONFIDENCE: a community or a road alone (hundreds of metres
 * wide) is always below the default 0.6.
 */
import { distanceM, moveM, type Area, type Gazetteer, type Poi, type Road } from './gazetteer.ts';
import type { Position } from './geojson.ts';

export type GeocodeKind = 'building' | 'door' | 'intersection' | 'poi' | 'estate' | 'community' | 'road';

export interface GeocodeResult {
  /** WGS84 [lng, lat] */
  point: Position;
  confidence: number;
  kind: GeocodeKind;
  /** what was matched, in words: 宁海路88号, 海阳南路与宁海路交叉口, 福寿小区3栋 */
  matched: string;
  /** why the confidence is lower than the kind's best, in the staff's words (empty when nothing was doubtful) */
  doubts: string[];
  /** the text after normalisation, as matched */
  normalized: string;
}

/** Base confidence of each kind of answer, before deductions. */
const BASE: Record<GeocodeKind, number> = {
  building: 0.95,
  door: 0.95,
  intersection: 0.95,
  poi: 0.9,
  estate: 0.75,
  community: 0.35,
  road: 0.3,
};
const PER_EDIT = 0.12;
const PER_VARIANT = 0.05;
const AMBIGUOUS = 0.4;
const CONFLICT = 0.3;

// ---------------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------------

const DIGIT: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};

/** 八十八 → 88, 一百零五 → 105, 十二 → 12 (numbers up to 9,999). */
export function chineseNumber(s: string): number | undefined {
  if (/^[零〇一二两三四五六七八九]+$/.test(s) && s.length > 1 && !/[十百千]/.test(s))
    return Number([...s].map((c) => DIGIT[c]).join(''));
  let total = 0;
  let digit = 0;
  for (const c of s) {
    if (c in DIGIT) digit = DIGIT[c]!;
    else if (c === '十' || c === '百' || c === '千') {
      const unit = c === '十' ? 10 : c === '百' ? 100 : 1000;
      total += (digit || (c === '十' ? 1 : 0)) * unit;
      digit = 0;
    } else return undefined;
  }
  return total + digit;
}

const ADMIN_PREFIX = [
  /^中国/,
  /^江苏省?/,
  /^南通市?/,
  /^如皋(市|县)?(?!(中学|博物馆|汽车|邮政|董糖|港|高新|东站|农商|经济技术))/,
  /^(如城街道|如城镇|城北街道|城南街道|如皋经济技术开发区|经济技术开发区|经济开发区|开发区)/,
];

/** The text as the matcher sees it, and the administrative prefix taken off it. */
export function normalizeAddress(text: string): { body: string; prefix: string } {
  let s = text.normalize('NFKC').replace(/[\s,.;:!?"'()[\]{}<>，。；：！？“”‘’（）【】《》·~～]/g, '');
  s = s.replace(/[、&＆/]|以及|及/g, '与');
  s = s.replace(/([零〇一二两三四五六七八九十百千]+)(?=号|栋|幢|座|单元|米|层|楼)/g, (m) =>
    String(chineseNumber(m) ?? m),
  );
  s = s.replace(/#(\d+)/g, '$1号').replace(/(\d+)#/g, '$1号');
  let prefix = '';
  for (let again = true; again;) {
    again = false;
    for (const re of ADMIN_PREFIX) {
      const m = re.exec(s);
      if (m && m[0].length > 0 && m[0].length < s.length) {
        prefix += m[0];
        s = s.slice(m[0].length);
        again = true;
      }
    }
  }
  return { body: s, prefix };
}

// ---------------------------------------------------------------------------------------------------
// Approximate substring matching
// ---------------------------------------------------------------------------------------------------

interface Hit {
  start: number;
  end: number;
  edits: number;
}

/**
 * Where `pattern` occurs in `text` with the fewest edits (Sellers' algorithm), at most `maxEdits`;
 * digits in the text are never substituted or swallowed (they carry house numbers).
 */
export function findApprox(pattern: string, text: string, maxEdits: number): Hit | undefined {
  const m = pattern.length;
  const n = text.length;
  if (m === 0 || n === 0) return undefined;
  if (maxEdits === 0) {
    const i = text.indexOf(pattern);
    return i < 0 ? undefined : { start: i, end: i + m, edits: 0 };
  }
  const INF = 1e9;
  // cost[i][j]: edits to match pattern[0..i) ending just before text[j]; start[i][j]: where the match began.
  let prevCost = new Array<number>(n + 1).fill(0);
  let prevStart = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cost = new Array<number>(n + 1).fill(INF);
    const start = new Array<number>(n + 1).fill(0);
    cost[0] = i;
    start[0] = 0;
    for (let j = 1; j <= n; j++) {
      const t = text[j - 1]!;
      const digit = t >= '0' && t <= '9';
      const same = pattern[i - 1] === t;
      const options: [number, number][] = [
        [prevCost[j - 1]! + (same ? 0 : digit ? INF : 1), prevStart[j - 1]!],
        [prevCost[j]! + 1, prevStart[j]!],
        [cost[j - 1]! + (digit ? INF : 1), start[j - 1]!],
      ];
      let best = options[0]!;
      for (const o of options) if (o[0] < best[0]) best = o;
      cost[j] = best[0];
      start[j] = best[1];
    }
    prevCost = cost;
    prevStart = start;
  }
  let best: Hit | undefined;
  for (let j = 1; j <= n; j++) {
    const edits = prevCost[j]!;
    if (edits > maxEdits) continue;
    const hit = { start: prevStart[j]!, end: j, edits };
    if (!best || edits < best.edits || (edits === best.edits && hit.end - hit.start > best.end - best.start))
      best = hit;
  }
  return best;
}

const allowedEdits = (form: string) => (form.length >= 7 ? 2 : form.length >= 4 ? 1 : 0);

// ---------------------------------------------------------------------------------------------------
// Mentions
// ---------------------------------------------------------------------------------------------------

type Target = { type: 'road'; roads: Road[] } | { type: 'area'; area: Area } | { type: 'poi'; poi: Poi };

interface Mention extends Hit {
  target: Target;
  /** the gazetteer's name as written in the text's place */
  form: string;
  /** cost of a variant form (路 for 街, a stem without 路) */
  variant: number;
}

const ROAD_TYPES = ['路', '街', '大道', '大街'];
const roadType = (name: string) => ROAD_TYPES.find((t) => name.endsWith(t) && name.length > t.length);

/** The forms a road is written in, with their variant cost. */
function roadForms(road: Road): [string, number][] {
  const forms: [string, number][] = [];
  for (const name of [road.name, ...road.aliases]) {
    forms.push([name, 0]);
    const type = roadType(name);
    if (!type) continue;
    const stem = name.slice(0, -type.length);
    for (const other of ROAD_TYPES) if (other !== type) forms.push([stem + other, 0.5]);
    // "宁海88号": the road word left out.
    if (stem.length >= 2) forms.push([stem, 1]);
  }
  return forms;
}

interface Index {
  /** form → roads written that way */
  roads: Map<string, { roads: Road[]; variant: number }>;
  areas: [string, Area][];
  pois: [string, Poi][];
}

const indexes = new WeakMap<Gazetteer, Index>();

function indexOf(gaz: Gazetteer): Index {
  let index = indexes.get(gaz);
  if (index) return index;
  const roads = new Map<string, { roads: Road[]; variant: number }>();
  for (const road of gaz.roads) {
    for (const [form, variant] of roadForms(road)) {
      const entry = roads.get(form);
      if (!entry) roads.set(form, { roads: [road], variant });
      else if (variant < entry.variant) roads.set(form, { roads: [road], variant });
      else if (variant === entry.variant && !entry.roads.includes(road)) entry.roads.push(road);
    }
  }
  const forms = (names: string[]) => [...new Set(names.filter((f) => f.length >= 2))];
  index = {
    roads,
    areas: gaz.areas.flatMap((a) => forms([a.name, ...a.aliases]).map((f) => [f, a] as [string, Area])),
    pois: gaz.pois.flatMap((p) => forms([p.name, ...p.aliases]).map((f) => [f, p] as [string, Poi])),
  };
  indexes.set(gaz, index);
  return index;
}

/**
 * Approximate search of `form`, skipped at once when the text lacks more of its characters than edits
 * are allowed (most forms, most of the time: the search itself is quadratic).
 */
function search(form: string, text: string, chars: Set<string>, maxEdits: number): Hit | undefined {
  let missing = 0;
  for (const c of form) if (!chars.has(c) && ++missing > maxEdits) return undefined;
  return findApprox(form, text, maxEdits);
}

/**
 * The names of the gazetteer found in `body`. Names of places are also looked for in `prefix + body`,
 * since a name may begin with what the normalisation took off as an administrative prefix
 * (如皋市人民政府, 城北街道办事处); such a hit counts from the start of the body.
 */
function mentionsIn(body: string, prefix: string, index: Index): Mention[] {
  const found: Mention[] = [];
  const chars = new Set(body);
  for (const [form, { roads, variant }] of index.roads) {
    // A bare stem ("宁海") only counts when a number follows it and nothing is changed.
    const hit = search(
      form,
      body,
      chars,
      variant >= 1 ? 0 : allowedEdits(form) || (form.length >= 3 ? 1 : 0),
    );
    if (!hit) continue;
    if (variant >= 1 && !/^\d/.test(body.slice(hit.end))) continue;
    found.push({ ...hit, target: { type: 'road', roads }, form, variant });
  }
  const full = prefix + body;
  const fullChars = new Set(full);
  const place = (form: string) => {
    const inBody = search(form, body, chars, allowedEdits(form));
    const inFull = prefix ? search(form, full, fullChars, allowedEdits(form)) : undefined;
    if (inFull && inFull.start < prefix.length && (!inBody || inFull.edits < inBody.edits))
      return { start: 0, end: Math.max(0, inFull.end - prefix.length), edits: inFull.edits };
    return inBody;
  };
  for (const [form, area] of index.areas) {
    const hit = place(form);
    if (hit && hit.end > 0) found.push({ ...hit, target: { type: 'area', area }, form, variant: 0 });
  }
  for (const [form, poi] of index.pois) {
    const hit = place(form);
    if (hit && hit.end > 0) found.push({ ...hit, target: { type: 'poi', poi }, form, variant: 0 });
  }
  // Best first: fewest edits and variants, then the longest, then POIs and areas before roads (a POI
  // named after a road, 海阳路中山路口站, is more than the road).
  const rank = (m: Mention) =>
    m.edits + m.variant - (m.end - m.start) * 0.01 + (m.target.type === 'road' ? 0.001 : 0);
  found.sort((a, b) => rank(a) - rank(b));
  const chosen: Mention[] = [];
  for (const m of found) {
    if (chosen.some((c) => m.start < c.end && c.start < m.end)) {
      // The same span naming a second road equally well (an alias shared by two halves) joins it.
      const twin = chosen.find(
        (c) =>
          c.start === m.start &&
          c.end === m.end &&
          c.target.type === 'road' &&
          m.target.type === 'road' &&
          c.edits + c.variant === m.edits + m.variant,
      );
      if (twin && twin.target.type === 'road' && m.target.type === 'road')
        for (const r of m.target.roads) if (!twin.target.roads.includes(r)) twin.target.roads.push(r);
      continue;
    }
    chosen.push(m);
  }
  return chosen.sort((a, b) => a.start - b.start);
}

// ---------------------------------------------------------------------------------------------------
// Geometry helpers
// ---------------------------------------------------------------------------------------------------

function lineLengthM(line: Position[]) {
  let sum = 0;
  for (let i = 1; i < line.length; i++) sum += distanceM(line[i - 1]!, line[i]!);
  return sum;
}

function pointAlong(line: Position[], metres: number): Position {
  let left = Math.max(0, metres);
  for (let i = 1; i < line.length; i++) {
    const seg = distanceM(line[i - 1]!, line[i]!);
    if (left <= seg || i === line.length - 1) {
      const t = seg === 0 ? 0 : Math.min(1, left / seg);
      const [a, b] = [line[i - 1]!, line[i]!];
      return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
    }
    left -= seg;
  }
  return line[0]!;
}

const lerp = (a: Position, b: Position, t: number): Position => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
];

/**
 * House number `n` on `road`: the door row itself, or interpolated by number between the nearest rows on
 * the same side (odd/even), or placed along the line by the road's number range. Undefined when the
 * road has no such number.
 */
export function doorOnRoad(
  road: Road,
  n: number,
): { point: Position; how: 'row' | 'interpolated' | 'range' } | undefined {
  const exact = road.doors.find((d) => d.number === n);
  if (exact) return { point: exact.point, how: 'row' };
  const side = road.doors.filter((d) => d.number % 2 === n % 2);
  const lower = side.filter((d) => d.number < n).at(-1);
  const upper = side.find((d) => d.number > n);
  const from = road.numberFrom ?? road.doors[0]?.number ?? undefined;
  const to = road.numberTo ?? road.doors.at(-1)?.number ?? undefined;
  if (from !== undefined && to !== undefined && (n < Math.min(from, to) - 2 || n > Math.max(from, to) + 2))
    return undefined;
  if (lower && upper)
    return {
      point: lerp(lower.point, upper.point, (n - lower.number) / (upper.number - lower.number)),
      how: 'interpolated',
    };
  const line = road.lines[0];
  if (!line || from === undefined || to === undefined || from === to) {
    const near = lower ?? upper;
    return near ? { point: near.point, how: 'interpolated' } : undefined;
  }
  return { point: pointAlong(line, ((n - from) / (to - from)) * lineLengthM(line)), how: 'range' };
}

function segmentCrossing(a: Position, b: Position, c: Position, d: Position): Position | undefined {
  const den = (b[0] - a[0]) * (d[1] - c[1]) - (b[1] - a[1]) * (d[0] - c[0]);
  if (den === 0) return undefined;
  const t = ((c[0] - a[0]) * (d[1] - c[1]) - (c[1] - a[1]) * (d[0] - c[0])) / den;
  const u = ((c[0] - a[0]) * (b[1] - a[1]) - (c[1] - a[1]) * (b[0] - a[0])) / den;
  if (t < -1e-9 || t > 1 + 1e-9 || u < -1e-9 || u > 1 + 1e-9) return undefined;
  return lerp(a, b, t);
}

/** Nearest point of a polyline to `p`, with the distance in metres. */
export function nearestOnLine(line: Position[], p: Position): { point: Position; distance: number } {
  let best = { point: line[0]!, distance: distanceM(line[0]!, p) };
  const k = Math.cos((p[1] * Math.PI) / 180);
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1]!;
    const b = line[i]!;
    const dx = (b[0] - a[0]) * k;
    const dy = b[1] - a[1];
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * k * dx + (p[1] - a[1]) * dy) / len2));
    const q = lerp(a, b, t);
    const d = distanceM(q, p);
    if (d < best.distance) best = { point: q, distance: d };
  }
  return best;
}

/** Where two groups of roads cross (or come within 30 m of each other at their ends). */
function crossings(a: Road[], b: Road[]): Position[] {
  const out: Position[] = [];
  for (const ra of a)
    for (const rb of b)
      for (const la of ra.lines)
        for (const lb of rb.lines) {
          let found = false;
          for (let i = 1; i < la.length; i++)
            for (let j = 1; j < lb.length; j++) {
              const x = segmentCrossing(la[i - 1]!, la[i]!, lb[j - 1]!, lb[j]!);
              if (x) {
                out.push(x);
                found = true;
              }
            }
          if (!found) {
            // A T-junction drawn a little short: the end of one line near the other.
            for (const end of [la[0]!, la.at(-1)!]) {
              const near = nearestOnLine(lb, end);
              if (near.distance <= 30) out.push(lerp(end, near.point, 0.5));
            }
            for (const end of [lb[0]!, lb.at(-1)!]) {
              const near = nearestOnLine(la, end);
              if (near.distance <= 30) out.push(lerp(end, near.point, 0.5));
            }
          }
        }
  // Two halves of a road meeting at the crossing give the same point twice.
  const unique: Position[] = [];
  for (const p of out) if (!unique.some((q) => distanceM(p, q) < 40)) unique.push(p);
  return unique;
}

function inRing([x, y]: Position, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export const inArea = (area: Area, p: Position) =>
  area.polygons.some(
    (rings) => rings[0] !== undefined && inRing(p, rings[0]) && !rings.slice(1).some((h) => inRing(p, h)),
  );

// ---------------------------------------------------------------------------------------------------
// Forward
// ---------------------------------------------------------------------------------------------------

const DIRECTION: Record<string, [number, number]> = { 东: [1, 0], 西: [-1, 0], 南: [0, -1], 北: [0, 1] };

function targetPoint(t: Target): Position {
  if (t.type === 'poi') return t.poi.point;
  if (t.type === 'area') return t.area.centre;
  const line = t.roads[0]!.lines[0]!;
  return pointAlong(line, lineLengthM(line) / 2);
}

const targetName = (t: Target) =>
  t.type === 'poi' ? t.poi.name : t.type === 'area' ? t.area.name : t.roads.map((r) => r.name).join('/');

/** Geocodes `text`; undefined when nothing of the gazetteer is named in it. */
export function geocode(gaz: Gazetteer, text: string): GeocodeResult | undefined {
  const { body, prefix } = normalizeAddress(text);
  if (!body) return undefined;
  const mentions = mentionsIn(body, prefix, indexOf(gaz));
  if (mentions.length === 0) return undefined;

  const doubts: string[] = [];
  let deduction = 0;
  for (const m of mentions) {
    if (m.edits > 0) {
      deduction += PER_EDIT * m.edits;
      doubts.push(`「${body.slice(m.start, m.end)}」按${m.form}理解`);
    }
    if (m.variant > 0) {
      deduction += (PER_VARIANT * Math.ceil(m.variant * 2)) / 2;
      doubts.push(`「${body.slice(m.start, m.end)}」按${targetName(m.target)}理解`);
    }
  }
  const after = (m: Mention) => body.slice(m.end);
  const others = (self: Mention) =>
    mentions.filter((m) => m !== self && m.target.type !== 'road').map((m) => targetPoint(m.target));

  /** Picks among several candidate points the one nearest the other mentions; flags the ambiguity. */
  const choose = (cands: { point: Position; label: string }[], self: Mention) => {
    if (cands.length <= 1) return cands[0];
    const hints = others(self);
    if (hints.length === 0) {
      deduction += AMBIGUOUS;
      doubts.push(`有歧义：${cands.map((c) => c.label).join('或')}`);
      return cands[0];
    }
    const score = (p: Position) => Math.min(...hints.map((h) => distanceM(p, h)));
    return [...cands].sort((a, b) => score(a.point) - score(b.point))[0];
  };

  let result: { point: Position; kind: GeocodeKind; matched: string; used: Mention[] } | undefined;

  // 1. A building of a compound.
  for (const m of mentions) {
    if (result || m.target.type !== 'area' || m.target.area.kind !== 'estate') continue;
    const num = /^(\d+)(栋|幢|座|号楼|号|单元)/.exec(after(m));
    if (!num) continue;
    const point = m.target.area.buildings.get(Number(num[1]));
    if (point) result = { point, kind: 'building', matched: `${m.target.area.name}${num[1]}栋`, used: [m] };
    else doubts.push(`${m.target.area.name}没有${num[1]}栋`);
  }
  // 2. A house number on a road.
  for (const m of mentions) {
    if (result || m.target.type !== 'road') continue;
    const num = /^(\d+)(-\d+)?号/.exec(after(m)) ?? (m.variant >= 1 ? /^(\d+)/.exec(after(m)) : null);
    if (!num) continue;
    const n = Number(num[1]);
    const cands = m.target.roads.flatMap((road) => {
      const door = doorOnRoad(road, n);
      return door ? [{ point: door.point, label: `${road.name}${n}号` }] : [];
    });
    if (cands.length === 0) {
      doubts.push(`${targetName(m.target)}没有${n}号`);
      continue;
    }
    const pick = choose(cands, m)!;
    result = { point: pick.point, kind: 'door', matched: pick.label, used: [m] };
  }
  // 3. Two roads: their crossing.
  const roadMentions = mentions.filter((m) => m.target.type === 'road');
  if (!result && roadMentions.length >= 2) {
    const [a, b] = roadMentions as [
      Mention & { target: { type: 'road' } },
      Mention & { target: { type: 'road' } },
    ];
    const ra = (a.target as { roads: Road[] }).roads;
    const rb = (b.target as { roads: Road[] }).roads;
    const points = crossings(ra, rb);
    if (points.length > 0) {
      const label = (p: Position) => {
        const name = (rs: Road[]) =>
          rs
            .map((r) => ({ r, d: Math.min(...r.lines.map((l) => nearestOnLine(l, p).distance)) }))
            .sort((x, y) => x.d - y.d)[0]!.r.name;
        return `${name(ra)}与${name(rb)}交叉口`;
      };
      const pick = choose(
        points.map((p) => ({ point: p, label: label(p) })),
        a,
      )!;
      result = { point: pick.point, kind: 'intersection', matched: pick.label, used: [a, b] };
    } else {
      doubts.push(`${targetName(a.target)}与${targetName(b.target)}不相交`);
    }
  }
  // 4–7. A named place, best kind first.
  if (!result) {
    const order: GeocodeKind[] = ['poi', 'estate', 'community', 'road'];
    const kindOf = (m: Mention): GeocodeKind =>
      m.target.type === 'poi' ? 'poi' : m.target.type === 'area' ? m.target.area.kind : 'road';
    const best = [...mentions].sort((x, y) => order.indexOf(kindOf(x)) - order.indexOf(kindOf(y)))[0]!;
    const kind = kindOf(best);
    if (kind === 'road') {
      const road = (best.target as { roads: Road[] }).roads;
      if (road.length > 1) doubts.push(`有歧义：${road.map((r) => r.name).join('或')}`);
      doubts.push(`只提到道路（${targetName(best.target)}），没有具体位置`);
    } else if (kind === 'community') doubts.push(`只提到社区（${targetName(best.target)}），范围太大`);
    result = { point: targetPoint(best.target), kind, matched: targetName(best.target), used: [best] };
  }

  // Mentions that point elsewhere (a compound 1 km from the house number) make the answer doubtful.
  for (const m of mentions) {
    if (result.used.includes(m) || m.target.type === 'road') continue;
    if (m.target.type === 'area' && m.target.area.kind === 'community') {
      if (!inArea(m.target.area, result.point) && distanceM(m.target.area.centre, result.point) > 800) {
        deduction += CONFLICT;
        doubts.push(`${m.target.area.name}离${result.matched}很远`);
      }
      continue;
    }
    const far = distanceM(targetPoint(m.target), result.point);
    if (far > 300 && !(m.target.type === 'area' && inArea(m.target.area, result.point))) {
      deduction += CONFLICT;
      doubts.push(`${targetName(m.target)}离${result.matched}有${Math.round(far)}米`);
    }
  }

  // Directions after the place: 东侧 (20 m), 往北50米.
  let point = result.point;
  const tail = body.slice(Math.max(...result.used.map((m) => m.end)));
  const metres = /(?:向|往)?(东|西|南|北)(?:约)?(\d+)米/.exec(tail);
  const side = /(东|西|南|北)(?:侧|边|面|门)/.exec(tail);
  let matched = result.matched;
  if (metres) {
    const [dx, dy] = DIRECTION[metres[1]!]!;
    const d = Math.min(500, Number(metres[2]));
    point = moveM(point, dx * d, dy * d);
    matched += `往${metres[1]}${d}米`;
  } else if (side && result.kind !== 'community' && result.kind !== 'road') {
    const [dx, dy] = DIRECTION[side[1]!]!;
    point = moveM(point, dx * 20, dy * 20);
    matched += `${side[1]}侧`;
  }

  const confidence = Math.max(0, Math.min(1, Math.round((BASE[result.kind] - deduction) * 100) / 100));
  return {
    point: [Math.round(point[0] * 1e6) / 1e6, Math.round(point[1] * 1e6) / 1e6],
    confidence,
    kind: result.kind,
    matched,
    doubts,
    normalized: body,
  };
}

// ---------------------------------------------------------------------------------------------------
// Reverse
// ---------------------------------------------------------------------------------------------------

export interface ReverseResult {
  /** in words: 城北街道福寿社区 宁海路88号附近（福寿小区内） */
  text: string;
  community: { name: string; code: string | null; street: string | null } | null;
  estate: { name: string } | null;
  door: { name: string; distance: number } | null;
  road: { name: string; distance: number } | null;
  poi: { name: string; distance: number } | null;
}

/** Describes where `point` is: the nearest door and road, the compound and community it lies in. */
export function reverseGeocode(gaz: Gazetteer, point: Position): ReverseResult {
  const community = gaz.areas.find((a) => a.kind === 'community' && inArea(a, point)) ?? null;
  const estate = gaz.areas.find((a) => a.kind === 'estate' && inArea(a, point)) ?? null;
  let road: { name: string; distance: number } | null = null;
  let door: { name: string; distance: number } | null = null;
  for (const r of gaz.roads) {
    for (const line of r.lines) {
      const near = nearestOnLine(line, point);
      if (near.distance <= 150 && (!road || near.distance < road.distance))
        road = { name: r.name, distance: Math.round(near.distance) };
    }
    for (const d of r.doors) {
      const dist = distanceM(d.point, point);
      if (dist <= 60 && (!door || dist < door.distance))
        door = { name: `${r.name}${d.number}号`, distance: Math.round(dist) };
    }
  }
  let poi: { name: string; distance: number } | null = null;
  for (const p of gaz.pois) {
    const dist = distanceM(p.point, point);
    if (dist <= 50 && (!poi || dist < poi.distance)) poi = { name: p.name, distance: Math.round(dist) };
  }
  if (estate) {
    for (const [n, b] of estate.buildings) {
      const dist = distanceM(b, point);
      if (dist <= 30 && (!door || dist < door.distance))
        door = { name: `${estate.name}${n}栋`, distance: Math.round(dist) };
    }
  }
  const where = community ? `${community.street ?? ''}${community.name}` : '';
  const near = door
    ? `${door.name}${door.distance > 10 ? '附近' : ''}`
    : poi
      ? `${poi.name}附近`
      : road
        ? `${road.name}${road.distance > 30 ? `旁约${road.distance}米` : ''}`
        : '';
  const inside = estate && !door?.name.startsWith(estate.name) ? `（${estate.name}内）` : '';
  const text = [where, near + inside].filter((s) => s).join(' ') || '不在已知道路和社区附近';
  return {
    text,
    community: community ? { name: community.name, code: community.code, street: community.street } : null,
    estate: estate ? { name: estate.name } : null,
    door,
    road,
    poi,
  };
}
