/**
 * Turns the text fields of a multipart/form-data request into the input of a route's JSON body schema,
 * so one zod schema validates both encodings: a field whose schema property is a number, integer or
 * boolean is converted from its text (a text that is not one stays text, and zod names the field); an
 * empty field counts as absent, as HTML forms send every input; a field the schema wants as an array
 * is always an array.
 */
import { z } from 'zod';

type JsonSchema = { type?: string | string[]; anyOf?: JsonSchema[]; properties?: Record<string, JsonSchema> };

const kinds = (s: JsonSchema | undefined): string[] => {
  if (!s) return [];
  const own = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  return [...own, ...(s.anyOf ?? []).flatMap(kinds)];
};

const cache = new WeakMap<z.ZodType, Record<string, string[]>>();

function propertyKinds(schema: z.ZodType): Record<string, string[]> {
  let found = cache.get(schema);
  if (!found) {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    found = Object.fromEntries(Object.entries(json.properties ?? {}).map(([k, v]) => [k, kinds(v)]));
    cache.set(schema, found);
  }
  return found;
}

function convert(text: string, wanted: string[]): unknown {
  if (wanted.includes('string') || wanted.length === 0) return text;
  if (
    (wanted.includes('number') || wanted.includes('integer')) &&
    /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text.trim())
  )
    return Number(text);
  if (wanted.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** The body object for `schema` from multipart text fields. */
export function formFieldsToBody(schema: z.ZodType, fields: Record<string, string | string[]>) {
  const props = propertyKinds(schema);
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    const wanted = props[name] ?? [];
    const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
    if (values.length === 0) continue;
    if (wanted.includes('array')) body[name] = values;
    else body[name] = convert(values.at(-1)!, wanted);
  }
  return body;
}
