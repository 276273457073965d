/**
 * The assessment result as an Excel workbook: the CSV's table (the period line, then one row per entity:
 * 类型, 编号, 名称, the figures, 扣分, 综合指标值, 等级) with numbers as numbers — counts as integers,
 * rates as fractions shown as percentages, hours and scores with two decimals — so the figures can be
 * sorted and summed, and the names in Chinese as they are.
 */
import { writeXlsx, type Cell } from '../export/xlsx.ts';
import type { AssessmentResult, Figure } from './compute.ts';
import { cityTime, COUNT_FIGURES, entitiesOf, keysOf, tableHeader, TYPE_LABELS } from './render.ts';

function figureCell(key: string, figure: Figure | undefined): Cell {
  const value = figure?.value;
  if (value === null || value === undefined) return null;
  if (COUNT_FIGURES.has(key)) return { value, format: 'integer' };
  if (key === 'avgHandlingHours') return { value, format: 'decimal2' };
  return { value, format: 'percent2' };
}

/** The .xlsx bytes of a (scoped) result: one sheet 考核结果. */
export function renderAssessmentXlsx(result: AssessmentResult, timeZone: string): Uint8Array {
  const entities = entitiesOf(result);
  const keys = keysOf(entities);
  const bold = (text: string) => ({ text, bold: true as const });
  const header = tableHeader(keys);
  const rows: Cell[][] = [
    [
      '考核期间',
      cityTime(result.period.from, timeZone),
      cityTime(result.period.to, timeZone),
      '统计截止',
      cityTime(result.period.asOf, timeZone),
    ],
    header.map(bold),
    ...entities.map((e): Cell[] => [
      TYPE_LABELS[e.type],
      e.id,
      e.name,
      ...keys.map((k) => figureCell(k, e.figures[k])),
      e.penalty ? { value: e.penalty, format: 'decimal2' } : null,
      e.score === null ? null : { value: e.score, format: 'decimal2' },
      e.grade,
    ]),
  ];
  return writeXlsx([{ name: '考核结果', rows }]);
}
