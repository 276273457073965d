/**
 * The one XML text escaper, used by every XML the hub writes (Open311 documents, the .xlsx parts).
 * XML 1.0 cannot carry most C0 control characters, unpaired surrogates or U+FFFE/U+FFFF at all — not
 * even as character references — so one `\x01` in a case's description made the whole Open311 list
 * unparseable for every client. They are dropped; the five markup characters are escaped.
 */

// Everything XML 1.0's Char production excludes: C0 controls but tab, LF and CR; unpaired surrogates;
// U+FFFE and U+FFFF.
const ILLEGAL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const ESCAPES: Record<string, string> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  "'": '&apos;',
  '"': '&quot;',
};

/** Text (or an attribute value in either quotes) safe inside an XML 1.0 document. */
export const xmlText = (s: string): string => s.replace(ILLEGAL, '').replace(/[<>&'"]/g, (c) => ESCAPES[c]!);
