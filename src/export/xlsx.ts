/**
 * A minimal Office Open XML spreadsheet (.xlsx) writer: worksheets of rows whose cells are text or
 * numbers, with a few number formats, zipped with fflate. Enough for reports Excel and LibreOffice open
 * with numbers as numbers (sortable, summable) and Chinese text intact (UTF-8 XML, inline strings), and
 * far smaller than a spreadsheet library. Parts and elements follow ECMA-376 Part 1 (SpreadsheetML).
 */
import { strToU8, zipSync } from 'fflate';
import { xmlText } from '../xml.ts';

/** How a number is shown; the value stays the exact number. */
export type NumberFormat = 'general' | 'integer' | 'decimal2' | 'percent2';

export type Cell =
  string | number | null | { value: number; format: NumberFormat } | { text: string; bold: true };

export interface Sheet {
  /** 1–31 characters, none of : \ / ? * [ ] (Excel's rule). */
  name: string;
  rows: Cell[][];
}

// cellXfs positions in styles.xml: 0 General, 1 "0", 2 "0.00", 3 "0.00%", 4 bold text.
const STYLE: Record<NumberFormat, number> = { general: 0, integer: 1, decimal2: 2, percent2: 3 };
const BOLD = 4;

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const esc = xmlText;

/** Column letters of a 0-based index: 0 → A, 25 → Z, 26 → AA. */
export function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function cellXml(cell: Cell, ref: string): string {
  if (cell === null || cell === '') return '';
  if (typeof cell === 'string')
    return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${esc(cell)}</t></is></c>`;
  if (typeof cell === 'object' && 'text' in cell)
    return `<c r="${ref}" s="${BOLD}" t="inlineStr"><is><t xml:space="preserve">${esc(cell.text)}</t></is></c>`;
  const { value, format } = typeof cell === 'number' ? { value: cell, format: 'general' as const } : cell;
  // NaN and infinities have no spreadsheet form: an empty cell rather than a corrupt file.
  if (!Number.isFinite(value)) return '';
  return `<c r="${ref}"${STYLE[format] ? ` s="${STYLE[format]}"` : ''}><v>${value}</v></c>`;
}

function sheetXml(sheet: Sheet): string {
  const rows = sheet.rows
    .map((cells, r) => {
      const xml = cells.map((c, i) => cellXml(c, `${columnName(i)}${r + 1}`)).join('');
      return `<row r="${r + 1}">${xml}</row>`;
    })
    .join('');
  return `${XML}<worksheet xmlns="${NS}" xmlns:r="${REL_NS}"><sheetData>${rows}</sheetData></worksheet>`;
}

const STYLES = `${XML}<styleSheet xmlns="${NS}">
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>`;

/** The .xlsx file of the sheets, in order (at least one). */
export function writeXlsx(sheets: Sheet[]): Uint8Array {
  if (sheets.length === 0) throw new Error('a workbook needs at least one sheet');
  const names = new Set<string>();
  for (const s of sheets) {
    if (!/^[^:\\/?*[\]]{1,31}$/.test(s.name) || names.has(s.name))
      throw new Error(`bad sheet name: ${s.name}`);
    names.add(s.name);
  }
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(
      `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
        sheets
          .map(
            (_, i) =>
              `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
          )
          .join('') +
        '</Types>',
    ),
    '_rels/.rels': strToU8(
      `${XML}<Relationships xmlns="${PKG_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ),
    'xl/workbook.xml': strToU8(
      `${XML}<workbook xmlns="${NS}" xmlns:r="${REL_NS}"><sheets>` +
        sheets
          .map((s, i) => `<sheet name="${esc(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
          .join('') +
        '</sheets></workbook>',
    ),
    'xl/_rels/workbook.xml.rels': strToU8(
      `${XML}<Relationships xmlns="${PKG_REL_NS}">` +
        sheets
          .map(
            (_, i) =>
              `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
          )
          .join('') +
        `<Relationship Id="rId${sheets.length + 1}" Type="${REL_NS}/styles" Target="styles.xml"/>` +
        '</Relationships>',
    ),
    'xl/styles.xml': strToU8(STYLES),
  };
  sheets.forEach((s, i) => (files[`xl/worksheets/sheet${i + 1}.xml`] = strToU8(sheetXml(s))));
  // A fixed timestamp: the same report gives the same bytes.
  return zipSync(files, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') });
}
