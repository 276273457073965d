/**
 * 综合查询 / 统计分析 — read from the daily rows (src/statistics/rollup.ts), never by scanning the cases:
 *
 * - `GET /api/statistics?from&to&by`: the cases reported in [from, to] (city days) grouped by category,
 *   street, grid, department, source, urgency, or by day/week/month; each group's counts and rates
 *   beside the same group in the period before (as long, ending the day before `from`), the totals,
 *   and the targets (领导通's settings) the rates are held against.
 * - `GET /api/statistics/repeats?from&to&min`: repeat problems — the same category in the same grid
 *   reported at least `min` times in the period.
 * - `GET /api/statistics/overdue`: the open cases longest past their running step's deadline and the
 *   units holding the most of them (a live count over the open cases' deadline indexes).
 * - `GET /api/statistics/xlsx?from&to&by`: the three tables as one workbook.
 *
 * The rows are kept by the hub's statistics job (src/statistics/job.ts), never built inside a request:
 * an answer reads them as they are and says when they were made (`asOf`; null while the first build
 * runs, and the figures then count only the days built so far).
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineRoute, type Route } from '../api/route.ts';
import type { Role } from '../auth/roles.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { CASE_STATUSES } from '../cases/lifecycle.ts';
import { validationError } from '../errors.ts';
import { writeXlsx, type Cell } from '../export/xlsx.ts';
import { loadTargets, type Targets } from '../leader/targets.ts';
import { overdueAt, type Overdue } from './overdue.ts';
import {
  addCounts,
  bucketOf,
  cityByDay,
  figuresOf,
  previousPeriod,
  repeatedSpots,
  sumByKey,
  TIME_GROUPS,
  type Figures,
  type GroupBy,
  type Period,
  type TimeGroup,
} from './query.ts';
import { emptyCounts, rollupAsOf, type Counts } from './rollup.ts';
import { byName, cellLabel, FIGURE_COLUMNS, GROUP_LABELS, SOURCE_LABELS, URGENCY_LABELS } from './labels.ts';

/** Who reads the statistics: the command centre and the leaders. */
export const STATISTICS_READERS: Role[] = ['leader', 'administrator', 'shift_leader', 'dispatcher'];
const GROUPS = ['category', 'street', 'grid', 'department', 'source', 'urgency', ...TIME_GROUPS] as const;
/** The longest period one request may cover (a day row per day: ~5 years is still small). */
const MAX_DAYS = 1830;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a city date YYYY-MM-DD');
const periodQuery = z.object({
  from: day.describe('first day (city date), inclusive'),
  to: day.describe('last day (city date), inclusive'),
});

const figuresSchema = z.object({
  reported: z.number().int().describe('上报数'),
  voided: z.number().int().describe('作废数'),
  registered: z.number().int().describe('立案数'),
  shouldClose: z.number().int().describe('应处置 = 应结案 (立案 minus 挂账)'),
  disposed: z.number().int().describe('处置数'),
  closed: z.number().int().describe('结案数'),
  disposalRate: z.number().nullable(),
  onTimeDisposalRate: z.number().nullable(),
  closureRate: z.number().nullable(),
  onTimeClosureRate: z.number().nullable(),
  reworkRate: z.number().nullable(),
  satisfactionRate: z.number().nullable(),
  avgHandlingHours: z.number().nullable().describe('working hours'),
});
const targetsSchema = z.object({
  disposalRate: z.number(),
  closureRate: z.number(),
  avgHandlingHours: z.number(),
});
const periodSchema = z.object({ from: z.string(), to: z.string() });
const asOfSchema = z
  .string()
  .nullable()
  .describe(
    'when the rows read were made: the cases written until then are counted; null while the first build runs (the figures then count only the days built so far)',
  );

export interface StatisticsDeps {
  db: Db;
  config: Pick<Config, 'CALENDAR_TIMEZONE'>;
  now?: () => Date;
}

export function statisticsRoutes(deps: StatisticsDeps): Route[] {
  const { db } = deps;
  const { prisma } = db;
  const zone = deps.config.CALENDAR_TIMEZONE;
  const now = deps.now ?? (() => new Date());
  const asOf = async () => (await rollupAsOf(db))?.toISOString() ?? null;

  const checkPeriod = (p: Period): Period => {
    const from = DateTime.fromISO(p.from);
    const to = DateTime.fromISO(p.to);
    if (!from.isValid) throw validationError('not a date', [{ field: 'query.from', message: 'not a date' }]);
    if (!to.isValid) throw validationError('not a date', [{ field: 'query.to', message: 'not a date' }]);
    if (to < from)
      throw validationError('to is before from', [{ field: 'query.to', message: '早于开始日期' }]);
    if (to.diff(from, 'days').days >= MAX_DAYS)
      throw validationError('period too long', [{ field: 'query.to', message: `最长 ${MAX_DAYS} 天` }]);
    return { from: p.from, to: p.to };
  };

  /** Labels of the keys of a dimension, in words (names of categories, units, grids, sources). */
  const labelsFor = async (by: GroupBy, keys: string[]): Promise<Map<string, string>> => {
    const labels = new Map<string, string>();
    if (by === 'category') {
      const rows = await prisma.category.findMany({ select: { kind: true, code: true, name: true } });
      for (const r of rows) labels.set(`${r.kind}:${r.code}`, r.name);
    } else if (by === 'department') {
      const rows = await prisma.department.findMany({
        where: { id: { in: keys } },
        select: { id: true, name: true },
      });
      for (const r of rows) labels.set(r.id, r.name);
      labels.set('', '未派遣');
    } else if (by === 'grid') {
      const rows = await prisma.gridCell.findMany({
        where: { code: { in: keys } },
        select: { code: true, street: true, community: true },
      });
      for (const r of rows) labels.set(r.code, cellLabel(r));
      labels.set('', '未定位');
    } else if (by === 'street') {
      labels.set('', '未定位');
    } else if (by === 'source') {
      for (const [k, v] of Object.entries(SOURCE_LABELS)) labels.set(k, v);
    } else if (by === 'urgency') {
      for (const [k, v] of Object.entries(URGENCY_LABELS)) labels.set(k, v);
    }
    return labels;
  };

  const timeLabel = (key: string, group: TimeGroup) => {
    const d = DateTime.fromISO(key);
    if (group === 'day') return d.toFormat('yyyy-MM-dd');
    if (group === 'week') return `${d.toFormat('yyyy-MM-dd')} 起一周`;
    return d.toFormat('yyyy年M月');
  };

  interface Table {
    asOf: string | null;
    period: Period;
    previous: Period;
    by: GroupBy;
    byLabel: string;
    total: { current: Figures; previous: Figures };
    rows: { key: string; label: string; current: Figures; previous: Figures | null }[];
    targets: Targets;
  }

  const table = async (p: Period, by: GroupBy): Promise<Table> => {
    const previous = previousPeriod(p);
    // Read first: the rows may be made newer while this answer reads them, never older.
    const madeAt = await asOf();
    const [totalNow, totalBefore, targets] = await Promise.all([
      sumByKey(db, 'all', p),
      sumByKey(db, 'all', previous),
      loadTargets(db),
    ]);
    let rows: Table['rows'];
    if ((TIME_GROUPS as readonly string[]).includes(by)) {
      const group = by as TimeGroup;
      const buckets = new Map<string, Counts>();
      // Every bucket of the period appears, a quiet one with zeros (a gap in a series would mislead).
      for (let d = DateTime.fromISO(p.from); d.toISODate()! <= p.to; d = d.plus({ days: 1 })) {
        const bucket = bucketOf(d.toISODate()!, group);
        if (!buckets.has(bucket)) buckets.set(bucket, emptyCounts());
      }
      for (const [d, c] of await cityByDay(db, p)) addCounts(buckets.get(bucketOf(d, group))!, c);
      rows = [...buckets].map(([key, c]) => ({
        key,
        label: timeLabel(key, group),
        current: figuresOf(c),
        previous: null,
      }));
    } else {
      const dimension = by as Exclude<GroupBy, TimeGroup>;
      const [current, before] = await Promise.all([
        sumByKey(db, dimension, p),
        sumByKey(db, dimension, previous),
      ]);
      const keys = [...new Set([...current.keys(), ...before.keys()])];
      const labels = await labelsFor(by, keys);
      rows = keys
        .map((key) => ({
          key,
          label: labels.get(key) ?? key,
          current: figuresOf(current.get(key) ?? emptyCounts()),
          previous: figuresOf(before.get(key) ?? emptyCounts()),
        }))
        .sort((a, b) => b.current.reported - a.current.reported || byName(a.label, b.label));
    }
    return {
      asOf: madeAt,
      period: p,
      previous,
      by,
      byLabel: GROUP_LABELS[by],
      total: {
        current: figuresOf(totalNow.get('all') ?? emptyCounts()),
        previous: figuresOf(totalBefore.get('all') ?? emptyCounts()),
      },
      rows,
      targets,
    };
  };

  const repeats = async (p: Period, min: number) => {
    const spots = await repeatedSpots(db, p, min, 100);
    const grids = [...new Set(spots.map((s) => s.key.split('|')[0]!))];
    const [cells, categories] = await Promise.all([
      prisma.gridCell.findMany({
        where: { code: { in: grids } },
        select: { code: true, street: true, community: true },
      }),
      prisma.category.findMany({ select: { kind: true, code: true, name: true } }),
    ]);
    const cell = new Map(cells.map((c) => [c.code, c]));
    const category = new Map(categories.map((c) => [`${c.kind}:${c.code}`, c.name]));
    return spots.map((s) => {
      const [grid, cat] = s.key.split('|') as [string, string];
      const g = cell.get(grid);
      return {
        gridCode: grid,
        place: g ? cellLabel(g) : `网格 ${grid}`,
        categoryName: category.get(cat) ?? cat,
        reported: s.reported,
        open: s.open,
      };
    });
  };

  const byQuery = periodQuery.extend({
    by: z.enum(GROUPS).default('category').describe('what the rows are: a dimension or a time bucket'),
  });

  return [
    defineRoute({
      method: 'GET',
      path: '/api/statistics',
      summary:
        '统计分析: counts and rates of the cases reported in a period, grouped, against the period before',
      description:
        'Rates: 处置率, 按期处置率, 结案率, 按期结案率, 返工率 over 应处置 (立案 minus 挂账), 满意率 over the cases with a 回访 verdict; 平均处置时长 in working hours. From the daily rows: at most a few seconds old.',
      tags: ['statistics'],
      access: STATISTICS_READERS,
      query: byQuery,
      responses: {
        200: {
          description: 'One row per group (time buckets: every bucket of the period, `previous` null)',
          schema: z.object({
            asOf: asOfSchema,
            period: periodSchema,
            previous: periodSchema.describe('the period as long, ending the day before `from`'),
            by: z.enum(GROUPS),
            byLabel: z.string(),
            total: z.object({ current: figuresSchema, previous: figuresSchema }),
            rows: z.array(
              z.object({
                key: z.string(),
                label: z.string(),
                current: figuresSchema,
                previous: figuresSchema.nullable(),
              }),
            ),
            targets: targetsSchema,
          }),
        },
      },
      handler: async ({ query }) => table(checkPeriod(query), query.by),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/statistics/repeats',
      summary: '重复问题: the same category reported again in the same grid within the period',
      tags: ['statistics'],
      access: STATISTICS_READERS,
      query: periodQuery.extend({
        min: z.coerce.number().int().min(2).max(1000).default(2).describe('reports at least'),
      }),
      responses: {
        200: {
          description: 'The places, most reported first (at most 100)',
          schema: z.object({
            asOf: asOfSchema,
            period: periodSchema,
            spots: z.array(
              z.object({
                gridCode: z.string(),
                place: z.string(),
                categoryName: z.string(),
                reported: z.number().int(),
                open: z.number().int().describe('of them registered and not closed (nor 挂账)'),
              }),
            ),
          }),
        },
      },
      handler: async ({ query }) => {
        const p = checkPeriod(query);
        const madeAt = await asOf();
        return { asOf: madeAt, period: p, spots: await repeats(p, query.min) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/statistics/overdue',
      summary: '超期: the open cases longest past their running step’s deadline, and the units holding most',
      tags: ['statistics'],
      access: STATISTICS_READERS,
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
      responses: {
        200: {
          description: 'As of now',
          schema: z.object({
            asOf: z.string(),
            total: z.number().int(),
            cases: z.array(
              z.object({
                id: z.string(),
                caseNo: z.string(),
                categoryName: z.string(),
                address: z.string().nullable(),
                status: z.enum(CASE_STATUSES).describe('the status code; statusLabel is its zh-CN name'),
                statusLabel: z.string(),
                departmentName: z.string().nullable(),
                dueAt: z.string(),
                overdueHours: z.number().describe('natural hours since the deadline'),
              }),
            ),
            units: z.array(
              z.object({
                departmentId: z
                  .string()
                  .nullable()
                  .describe('null: nobody holds them (the command centre, not dispatched)'),
                departmentName: z.string(),
                count: z.number().int(),
              }),
            ),
          }),
        },
      },
      handler: async ({ query }) => overdueAt(db, now(), query.limit),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/statistics/xlsx',
      summary: 'The statistics table, the repeat problems and the overdue cases as an Excel workbook',
      tags: ['statistics'],
      access: STATISTICS_READERS,
      query: byQuery,
      responses: {
        200: {
          description: 'The workbook as an attachment',
          mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          schema: z.unknown(),
        },
      },
      handler: async ({ query, ctx }) => {
        const p = checkPeriod(query);
        const [t, spots, late] = await Promise.all([
          table(p, query.by),
          repeats(p, 2),
          overdueAt(db, now(), 200),
        ]);
        ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
        ctx.attachment(`statistics-${p.from}_${p.to}-${query.by}.xlsx`);
        return Buffer.from(statisticsXlsx(t, spots, late, zone));
      },
    }),
  ];
}

type TableLike = {
  period: Period;
  previous: Period;
  byLabel: string;
  total: { current: Figures; previous: Figures };
  rows: { label: string; current: Figures; previous: Figures | null }[];
};

function figureCells(f: Figures | null): Cell[] {
  return FIGURE_COLUMNS.map(([key, , kind]) => {
    const v = f ? f[key] : null;
    if (v === null) return null;
    return { value: v, format: kind === 'count' ? 'integer' : kind === 'hours' ? 'decimal2' : 'percent2' };
  });
}

/** The workbook: 统计 (each group, this period then the period before), 重复问题, 超期案卷, 超期单位. */
export function statisticsXlsx(
  t: TableLike,
  spots: { place: string; categoryName: string; reported: number; open: number }[],
  late: Pick<Overdue, 'asOf' | 'cases' | 'units'>,
  zone: string,
): Uint8Array {
  const bold = (text: string) => ({ text, bold: true as const });
  const local = (iso: string) => DateTime.fromISO(iso, { zone }).toFormat('yyyy-MM-dd HH:mm');
  const names = FIGURE_COLUMNS.map(([, label]) => label);
  const header = [t.byLabel, ...names, ...names.map((n) => `上期${n}`)].map(bold);
  return writeXlsx([
    {
      name: '统计',
      rows: [
        ['统计期间', t.period.from, t.period.to, '上期', t.previous.from, t.previous.to],
        header,
        ['合计', ...figureCells(t.total.current), ...figureCells(t.total.previous)],
        ...t.rows.map((r): Cell[] => [r.label, ...figureCells(r.current), ...figureCells(r.previous)]),
      ],
    },
    {
      name: '重复问题',
      rows: [
        ['统计期间', t.period.from, t.period.to],
        ['地点', '问题类别', '上报次数', '未结案'].map(bold),
        ...spots.map((s): Cell[] => [
          s.place,
          s.categoryName,
          { value: s.reported, format: 'integer' },
          { value: s.open, format: 'integer' },
        ]),
      ],
    },
    {
      name: '超期案卷',
      rows: [
        ['统计截止', local(late.asOf)],
        ['案卷编号', '问题类别', '地址', '状态', '处置单位', '时限', '超期(小时)'].map(bold),
        ...late.cases.map((c): Cell[] => [
          c.caseNo,
          c.categoryName,
          c.address,
          c.statusLabel,
          c.departmentName,
          local(c.dueAt),
          { value: c.overdueHours, format: 'decimal2' },
        ]),
      ],
    },
    {
      name: '超期单位',
      rows: [
        ['单位', '超期案卷数'].map(bold),
        ...late.units.map((u): Cell[] => [u.departmentName, { value: u.count, format: 'integer' }]),
      ],
    },
  ]);
}
