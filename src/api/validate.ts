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
 * Fields whose text holds U+0000. PostgreSQL's text cannot hold it (the query fails: a 500 for a path id
 * or a description with a NUL), and no person types one, so it is a 400 naming the field on every
 * database alike, before any schema or handler sees the value.
 */
export function nulFields(part: string, value: unknown, path: string[] = [], depth = 0): FieldError[] {
  if (typeof value === 'string')
    return value.includes('\u0000')
      ? [{ field: [part, ...path].join('.'), message: 'contains a NUL character (U+0000)' }]
      : [];
  if (value === null || typeof value !== 'object' || depth > 32) return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(k.includes('\u0000')
      ? [{ field: [part, ...path].join('.'), message: 'a key contains a NUL character (U+0000)' }]
      : []),
    ...nulFields(part, v, [...path, k], depth + 1),
  ]);
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
    errors.push(...nulFields(part, raw[part]));
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
