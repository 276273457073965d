/**
 * Reads an .xlsx back for assertions, independently of the writer: fflate unzips, fast-xml-parser reads
 * the workbook, its relationships, the styles and each sheet. A cell comes back as `{ text }` (with
 * `bold: true` when its font is bold) or `{ number, format }` (the number format code: `0`, `0.00`,
 * `0.00%`, `General`); an empty position is null, and every row is padded to the sheet's widest.
 */
import { strFromU8, unzipSync } from 'fflate';
import { XMLParser } from 'fast-xml-parser';

export type ReadCell = { text: string; bold?: true } | { number: number; format: string } | null;

// ECMA-376 Part 1, 18.8.30: the built-in number formats a writer may refer to without declaring them.
const BUILTIN: Record<number, string> = { 0: 'General', 1: '0', 2: '0.00', 9: '0%', 10: '0.00%' };

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ['sheet', 'Relationship', 'row', 'c', 'xf', 'font', 'numFmt', 'si', 'r'].includes(name),
});

type Node = Record<string, unknown>;
const textOf = (t: unknown): string =>
  typeof t === 'string' ? t : t && typeof t === 'object' ? String((t as Node)['#text'] ?? '') : '';
const columnIndex = (ref: string) =>
  [...ref.replace(/\d+$/, '')].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;

/** Every sheet of the workbook by name, as rows of cells. */
export function readXlsx(bytes: Uint8Array): Record<string, ReadCell[][]> {
  const files = unzipSync(bytes);
  const xml = (path: string) => {
    const file = files[path];
    if (!file) throw new Error(`${path} missing from the workbook`);
    return parser.parse(strFromU8(file)) as Node;
  };
  const workbook = xml('xl/workbook.xml').workbook as Node;
  const rels = ((xml('xl/_rels/workbook.xml.rels').Relationships as Node).Relationship as Node[]).map(
    (r) => ({
      id: r['@_Id'] as string,
      target: r['@_Target'] as string,
    }),
  );
  const styles = xml('xl/styles.xml').styleSheet as Node;
  const formats = new Map<number, string>(Object.entries(BUILTIN).map(([k, v]) => [Number(k), v]));
  for (const f of ((styles.numFmts as Node | undefined)?.numFmt as Node[] | undefined) ?? [])
    formats.set(Number(f['@_numFmtId']), f['@_formatCode'] as string);
  const fonts = (styles.fonts as Node).font as Node[];
  const xfs = ((styles.cellXfs as Node).xf as Node[]).map((xf) => ({
    format: formats.get(Number(xf['@_numFmtId'] ?? 0)) ?? `numFmt ${String(xf['@_numFmtId'])}`,
    bold: 'b' in (fonts[Number(xf['@_fontId'] ?? 0)] ?? {}),
  }));
  const shared = files['xl/sharedStrings.xml']
    ? (((xml('xl/sharedStrings.xml').sst as Node).si as Node[] | undefined) ?? []).map((si) =>
        si.t !== undefined ? textOf(si.t) : ((si.r as Node[]) ?? []).map((r) => textOf(r.t)).join(''),
      )
    : [];

  const out: Record<string, ReadCell[][]> = {};
  for (const sheet of (workbook.sheets as Node).sheet as Node[]) {
    const target = rels.find((r) => r.id === sheet['@_r:id'])!.target;
    const data = (xml(`xl/${target.replace(/^\/?xl\//, '')}`).worksheet as Node).sheetData as Node | string;
    const rows: ReadCell[][] = [];
    for (const row of (typeof data === 'object' ? (data.row as Node[] | undefined) : undefined) ?? []) {
      const cells: ReadCell[] = [];
      for (const c of (row.c as Node[] | undefined) ?? []) {
        const style = xfs[Number(c['@_s'] ?? 0)]!;
        const type = c['@_t'] as string | undefined;
        let cell: ReadCell;
        if (type === 'inlineStr') cell = { text: textOf((c.is as Node).t) };
        else if (type === 's') cell = { text: shared[Number(textOf(c.v))]! };
        else if (type === 'str') cell = { text: textOf(c.v) };
        else cell = { number: Number(textOf(c.v)), format: style.format };
        if ('text' in cell && style.bold) cell.bold = true;
        cells[columnIndex(c['@_r'] as string)] = cell;
      }
      rows[Number(row['@_r']) - 1] = cells;
    }
    const width = Math.max(0, ...rows.map((r) => r?.length ?? 0));
    out[sheet['@_name'] as string] = Array.from(rows, (r) =>
      Array.from({ length: width }, (_, i) => r?.[i] ?? null),
    );
  }
  return out;
}
