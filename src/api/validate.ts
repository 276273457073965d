/**
 * Validates a request's params, query and body against a route's zod schemas. All three are checked
 * before failing, so one 400 names every bad field (`body.username`, `query.limit`, `params.id`).
 */
import { z } from 'zod';
import { validationError, type FieldError } from '../errors.ts';

type Part = 'params' | 'query' | 'body';

const fieldName = (part: Part, path: readonly PropertyKey[]) =>
  [part, ...path.map((p) => String(p))].join('.');

/**
 * Fields whose text PostgreSQL cannot store: U+0000 (its text cannot hold it) and a lone UTF-16 surrogate
 * (JSON allows "\ud800", but it has no UTF-8 form, so the query fails). Either was a 500 on PostgreSQL for
 * a path id or a description; no person types one, so it is a 400 naming the field on every database
 * alike, before any schema or handler sees the value.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function textFault(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'contains a lone surrogate (not valid Unicode text)';
  return null;
}

export function unstorableTextFields(
  part: string,
  value: unknown,
  path: string[] = [],
  depth = 0,
): FieldError[] {
  const field = () => [part, ...path].join('.');
  if (typeof value === 'string') {
    const fault = textFault(value);
    return fault ? [{ field: field(), message: fault }] : [];
  }
  if (value === null || typeof value !== 'object' || depth > 32) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const fault = textFault(k);
    return [
      ...(fault ? [{ field: field(), message: `a key ${fault}` }] : []),
      ...unstorableTextFields(part, v, [...path, k], depth + 1),
    ];
  });
}

/** Parses each part with its schema (a part without a schema passes through as undefined). */
export function validateInput(
  schemas: Partial<Record<Part, z.ZodType>>,
  raw: Record<Part, unknown>,
): Record<Part, unknown> {
  const out: Record<Part, unknown> = { params: undefined, query: undefined, body: undefined };
  const errors: FieldError[] = [];
  for (const part of ['params', 'query', 'body'] as const) {
    const schema = schemas[part];
    if (!schema) continue;
    errors.push(...unstorableTextFields(part, raw[part]));
    const result = schema.safeParse(raw[part]);
    if (result.success) out[part] = result.data;
    else {
      for (const issue of result.error.issues) {
        errors.push({ field: fieldName(part, issue.path), message: issue.message });
      }
    }
  }
  if (errors.length) {
    throw validationError(`invalid request: ${errors.map((e) => e.field).join(', ')}`, errors);
  }
  return out;
}

/** A plain decimal as a person writes it: optional sign, digits, optional fraction. No hex, exponent or blank. */
export const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

/**
 * A number in a query string or path parameter, parsed strictly: `z.coerce.number()` turned `lat=` into 0
 * and `0x10` into 16; here anything but a plain decimal is a 400 naming the field. `schema` adds the
 * bounds: `queryNumber(z.coerce.number().int().min(1))`.
 */
export const queryNumber = <T extends z.ZodType<number, unknown>>(schema: T) =>
  z
    .string()
    .trim()
    .regex(DECIMAL, 'expected a decimal number')
    // The coerced number schema accepts any input; after the regex it only ever sees a decimal string.
    .pipe(schema as unknown as z.ZodType<z.output<T>, string>);
