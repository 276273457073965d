/**
 * One CSV cell, safe to open in a spreadsheet. Quoted when it holds a comma, quote or line break; and a
 * text that starts with `=`, `+`, `-`, `@`, tab or CR — which Excel and LibreOffice would run as a formula
 * (`=HYPERLINK(…)`, `@SUM(…)`, DDE) — gets a leading apostrophe (OWASP's CSV-injection advice), unless it is
 * a plain number such as `-1.50` or `-12.5%`, which stays a number.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?%?$/;

export function csvCell(value: string): string {
  const s = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
