// Issue 18 (low): a department or person named "=HYPERLINK(…)" ran as a formula when the assessment CSV
// was opened in a spreadsheet. csvCell is the one cell writer of the CSV export.
import test from 'ava';
import { csvCell } from '../src/export/csv.ts';

test('cells a spreadsheet would run as formulas get a leading apostrophe', (t) => {
  t.is(csvCell('=HYPERLINK("http://x","点我")'), `"'=HYPERLINK(""http://x"",""点我"")"`);
  t.is(csvCell('+1+cmd|/c calc'), "'+1+cmd|/c calc");
  t.is(csvCell('-2+3'), "'-2+3");
  t.is(csvCell('@SUM(A1:A9)'), "'@SUM(A1:A9)");
  t.is(csvCell('\tTAB'), "'\tTAB");
});

test('numbers, percentages and ordinary text are unchanged', (t) => {
  t.is(csvCell('-1.50'), '-1.50');
  t.is(csvCell('-12.50%'), '-12.50%');
  t.is(csvCell('99.00%'), '99.00%');
  t.is(csvCell('城北街道'), '城北街道');
  t.is(csvCell('a, b'), '"a, b"');
  t.is(csvCell('email@example.org'), 'email@example.org');
});
