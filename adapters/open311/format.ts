/**
 * GeoReport v2 documents in XML and JSON. XML: UTF-8 with the declaration, a root element holding one
 * element per item, fields as child elements in the spec's order, null as an empty element, lists of
 * values nested (`<values><value>…</value></values>`). JSON: the same items as an array of objects.
 * Errors are the spec's error list in either format.
 */
import { ProtocolError } from '../../src/errors.ts';
import { xmlText } from '../../src/xml.ts';

export type Format = 'xml' | 'json';
export const CONTENT_TYPE: Record<Format, string> = {
  xml: 'text/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

type Value = string | number | boolean | null | undefined | Value[] | { [k: string]: Value };

/** `itemOf` names the element of each entry of an array field (attributes → attribute). */
function element(name: string, value: Value, itemOf: Record<string, string>, indent: string): string {
  if (value === null || value === undefined) return `${indent}<${name}></${name}>`;
  if (Array.isArray(value)) {
    const child = itemOf[name] ?? 'item';
    const inner = value.map((v) => element(child, v, itemOf, indent + '  ')).join('\n');
    return inner ? `${indent}<${name}>\n${inner}\n${indent}</${name}>` : `${indent}<${name}></${name}>`;
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => element(k, v, itemOf, indent + '  '))
      .join('\n');
    return `${indent}<${name}>\n${inner}\n${indent}</${name}>`;
  }
  return `${indent}<${name}>${xmlText(String(value))}</${name}>`;
}

/** A document: `root` holding `items` as `item` elements (XML), or the array itself (JSON). */
export function render(
  format: Format,
  root: string,
  item: string,
  items: Record<string, Value>[],
  itemOf: Record<string, string> = {},
): string {
  if (format === 'json') return JSON.stringify(items);
  const body = items.map((i) => element(item, i, itemOf, '  ')).join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>\n<${root}>${body ? `\n${body}\n` : ''}</${root}>\n`;
}

/** One object (discovery, service definition): its fields at the root (XML) or the object (JSON). */
export function renderObject(
  format: Format,
  root: string,
  value: Record<string, Value>,
  itemOf: Record<string, string> = {},
) {
  if (format === 'json') return JSON.stringify(value);
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, value, itemOf, '')}\n`;
}

/** The spec's error list as a thrown error (answered as is, not as problem+json). */
export function open311Error(format: Format, status: number, description: string): ProtocolError {
  const body = render(format, 'errors', 'error', [{ code: status, description }]);
  return new ProtocolError(status, description, body, CONTENT_TYPE[format]);
}
