/**
 * What a file really is, from its first bytes: a client's Content-Type is only a claim (a renamed
 * script stays a script), so uploads are stored with the type their content shows.
 */

/** The content types the hub recognises; ATTACHMENT_TYPES chooses among them. */
export const KNOWN_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/heic',
  'application/pdf',
] as const;
export type KnownType = (typeof KNOWN_TYPES)[number];

/** Bytes needed to tell every known type apart. */
export const SNIFF_BYTES = 16;

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** ISO-BMFF brands of HEIF/HEIC images (ISO/IEC 23008-12): the `ftyp` box's major brand. */
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

const startsWith = (head: Buffer, bytes: number[], at = 0) =>
  head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b);
const ascii = (head: Buffer, from: number, to: number) =>
  head.length >= to ? head.toString('latin1', from, to) : '';

/** The type the first bytes show, or null when none of the known types matches. */
export function sniffType(head: Buffer): KnownType | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, PNG)) return 'image/png';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'image/webp';
  if (ascii(head, 4, 8) === 'ftyp' && HEIF_BRANDS.has(ascii(head, 8, 12))) return 'image/heic';
  if (ascii(head, 0, 5) === '%PDF-') return 'application/pdf';
  return null;
}

/** File name extension per type, for the Content-Disposition of a download without a name. */
export const EXTENSIONS: Record<KnownType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'application/pdf': 'pdf',
};
