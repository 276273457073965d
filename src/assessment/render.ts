/**
 * Renders an assessment result for people: CSV that Excel opens with Chinese intact (UTF-8 with a
 * byte-order mark, CRLF lines) and a plain HTML table for mails and the admin UI. Rates are shown as
 * percentages with two decimals, hours with two decimals, counts as integers, an empty denominator as
 * an empty cell.
 */
import {
  FIGURE_LABELS,
  type AssessmentResult,
  type EntityResult,
  type EntityType,
  type Figure,
} from './compute.ts';
import { cityClock } from '../city-clock.ts';
import { csvCell } from '../export/csv.ts';

/**
 * An instant of the report (period bounds, 统计截止) as the city reads it: `2026-10-01 00:00` in the
 * city's time zone (CALENDAR_TIMEZONE, through the city clock), not UTC.
 */
export function cityTime(iso: string, timeZone: string): string {
  return cityClock({ CALENDAR_TIMEZONE: timeZone }).minute(new Date(iso));
}

export const TYPE_LABELS: Record<EntityType, string> = {
  city: '全市',
  department: '专业部门',
  street: '街道',
  grid: '网格',
  supervisor: '监督员',
  acceptor: '受理员',
  shiftLeader: '值班长',
  dispatcher: '派遣员',
};

export const COUNT_FIGURES = new Set([
  'registered',
  'shouldClose',
  'suspended',
  'overdue',
  'reports',
  'accepted',
  'dispatched',
  'attendanceDays',
]);

/** A figure as shown: `98.50%`, `11.70`, `12`, or '' when there is nothing to divide by. */
export function formatFigure(key: string, figure: Figure | undefined): string {
  const v = figure?.value;
  if (v === null || v === undefined) return '';
  if (COUNT_FIGURES.has(key)) return String(v);
  if (key === 'avgHandlingHours' || key === 'dutyHours' || key === 'patrolKm') return v.toFixed(2);
  return `${(v * 100).toFixed(2)}%`;
}

/** Every entity of a result in the order of the downloads: the city, departments, streets, … */
export const entitiesOf = (r: AssessmentResult): EntityResult[] => [
  r.city,
  ...r.departments,
  ...r.streets,
  ...r.grids,
  ...r.supervisors,
  ...r.acceptors,
  ...r.shiftLeaders,
  ...r.dispatchers,
];

/** The figure keys any of the entities has, in FIGURE_LABELS order. */
export const keysOf = (entities: EntityResult[]) => {
  const present = new Set(entities.flatMap((e) => Object.keys(e.figures)));
  return Object.keys(FIGURE_LABELS).filter((k) => present.has(k));
};

/** The column headings of the exported table (CSV and XLSX): 类型, 编号, 名称, the figures, 扣分, 综合指标值, 等级. */
export function tableHeader(keys: readonly string[]): string[] {
  return ['类型', '编号', '名称', ...keys.map((k) => FIGURE_LABELS[k]!), '扣分', '综合指标值', '等级'];
}

/** CSV of every entity, one row each, under tableHeader. */
export function renderAssessmentCsv(result: AssessmentResult, timeZone: string): string {
  const entities = entitiesOf(result);
  const keys = keysOf(entities);
  const header = tableHeader(keys);
  const rows = entities.map((e) => [
    TYPE_LABELS[e.type],
    e.id,
    e.name,
    ...keys.map((k) => formatFigure(k, e.figures[k])),
    e.penalty ? e.penalty.toFixed(2) : '',
    e.score === null ? '' : e.score.toFixed(2),
    e.grade ?? '',
  ]);
  const at = (iso: string) => cityTime(iso, timeZone);
  const period = `考核期间,${at(result.period.from)},${at(result.period.to)},统计截止,${at(result.period.asOf)}`;
  return '\uFEFF' + [period, ...[header, ...rows].map((r) => r.map(csvCell).join(','))].join('\r\n') + '\r\n';
}

const html = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An HTML fragment: a heading with the period and one table per kind of entity. */
export function renderAssessmentHtml(result: AssessmentResult, timeZone: string): string {
  const groups: EntityResult[][] = [
    [result.city],
    result.departments,
    result.streets,
    result.grids,
    result.supervisors,
    result.acceptors,
    result.shiftLeaders,
    result.dispatchers,
  ].filter((g) => g.length > 0);
  const tables = groups.map((entities) => {
    const keys = keysOf(entities);
    const scored = entities[0]!.score !== null;
    const head = [
      '名称',
      ...keys.map((k) => FIGURE_LABELS[k]!),
      ...(scored ? ['扣分', '综合指标值', '等级'] : []),
    ];
    const body = entities.map((e) => {
      const cells = [
        e.name,
        ...keys.map((k) => formatFigure(k, e.figures[k])),
        ...(scored
          ? [
              e.penalty ? e.penalty.toFixed(2) : '',
              e.score === null ? '—' : e.score.toFixed(2),
              e.grade ?? '—',
            ]
          : []),
      ];
      return `<tr>${cells.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`;
    });
    return (
      `<h2>${html(TYPE_LABELS[entities[0]!.type])}</h2>\n<table border="1" cellspacing="0" cellpadding="4">\n` +
      `<thead><tr>${head.map((h) => `<th>${html(h)}</th>`).join('')}</tr></thead>\n` +
      `<tbody>\n${body.join('\n')}\n</tbody>\n</table>`
    );
  });
  const from = cityTime(result.period.from, timeZone);
  const to = cityTime(result.period.to, timeZone);
  const asOf = cityTime(result.period.asOf, timeZone);
  return `<h1>考核评价 ${html(from)} – ${html(to)}</h1>\n<p>统计截止 ${html(asOf)}</p>\n${tables.join('\n')}\n`;
}
