/**
 * Reads a company's CSV file into rows, each with the line it starts on (for the errors people read).
 * csv-parse does the reading (RFC 4180 quoting, a UTF-8 BOM dropped); a row whose quoting is broken comes
 * back with an error instead of failing the whole file.
 */
import { parse } from 'csv-parse/sync';

export interface CsvRow {
  /** the file's line the row starts on (1 = the first line) */
  line: number;
  /** the fields, quotes removed */
  cols: string[];
  /** the row as written, for the failure report */
  raw: string;
  /** why the row cannot be read (its quoting), when it cannot */
  error?: string;
}

const leadingNewlines = (raw: string) => /^\n*/.exec(raw)![0].length;

export function parseCsv(content: Buffer): CsvRow[] {
  // csv-parse 7.0.3 counts a CRLF inside a quoted field as two lines; with LF endings its count is
  // exact. A note's own CRLF becomes LF, which is how the hub stores line breaks anyway.
  const text = content.toString('utf8').replaceAll('\r\n', '\n');
  const rows: CsvRow[] = [];
  // The last line read so far: a row starts on the next one, after the blank lines its raw text begins with.
  let lastLine = 0;
  parse(text, {
    bom: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // With raw, a record comes as { record, raw } (the typings do not say so); raw starts with the
    // blank lines skipped before it.
    on_record: (withRaw, info) => {
      const { record, raw } = withRaw as unknown as { record: string[]; raw: string };
      rows.push({ line: lastLine + 1 + leadingNewlines(raw), cols: record, raw: raw.trim() });
      lastLine = info.lines;
      return null;
    },
    on_skip: (err, raw = '') => {
      const line = lastLine + 1 + leadingNewlines(raw);
      rows.push({ line, cols: [], raw: raw.trim(), error: err?.message ?? 'unreadable quoting' });
      lastLine = typeof err?.lines === 'number' ? err.lines : line;
    },
  });
  return rows;
}
