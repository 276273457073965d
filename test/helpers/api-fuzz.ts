/**
 * Property-based fuzzing of the API from its own /openapi.json (fast-check). For each operation it
 * generates requests from the documented schemas — valid ones, and invalid ones that break exactly one
 * documented constraint of a body field, query parameter or path parameter — sends them over HTTP to a
 * running hub as a caller the route admits (or as nobody) and checks what any client may rely on:
 *
 *   - never a 5xx, and always an answer;
 *   - every 4xx is application/problem+json with its status (Open311 answers in its own error format);
 *   - a request breaking a documented constraint is a 4xx naming the offending field (in `detail` or
 *     `errors`), and a request without credentials to a route that needs them is a 401.
 *
 * Used by test/api-fuzz.test.ts (fixed seed, few runs) and bench/api-fuzz.ts (many runs, figures).
 */
import fc from 'fast-check';

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON Schema
type Json = unknown;

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  /** OpenAPI path, `{name}` for parameters. */
  path: string;
  roles: 'public' | 'authenticated' | string[];
  /** A public route that checks its caller itself (signed webhook, Open311 api_key, device token). */
  selfAuthenticated: boolean;
  parameters: Parameter[];
  body?: Schema;
  /** A body documented only in words (Open311's form fields): sent as generated, never judged as invalid. */
  wordsBody?: Schema;
  description: string;
}

/** The operations of an OpenAPI document, with the JSON body schema a signed webhook documents in its text. */
export function operations(doc: { paths: Record<string, Record<string, Schema>> }): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const description = String(op.description ?? '');
      let body = op.requestBody?.content?.['application/json']?.schema as Schema | undefined;
      // Webhooks read their raw body (the signature covers the bytes) and document its schema in words.
      const documented = /Body \(application\/json\): (\{.*\})$/m.exec(description);
      if (!body && documented) body = JSON.parse(documented[1]!) as Schema;
      out.push({
        method: method.toUpperCase(),
        path,
        roles: op['x-roles'],
        selfAuthenticated: /the caller proves itself|Signed webhook/.test(description),
        parameters: (op.parameters ?? []) as Parameter[],
        body,
        description,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Valid values from a JSON Schema (the subset zod 4's toJSONSchema emits)

const MAX_DEPTH = 4;

/** The JSON types a schema admits, or undefined when it admits anything. */
function typesOf(s: Schema): Set<string> | undefined {
  if (s.const !== undefined) return new Set([jsonType(s.const)]);
  if (Array.isArray(s.enum)) return new Set(s.enum.map(jsonType));
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) {
    const all = new Set<string>();
    for (const b of branches) {
      const t = typesOf(b);
      if (!t) return undefined;
      for (const x of t) all.add(x);
    }
    return all;
  }
  if (s.type === undefined) return undefined;
  const types = new Set<string>(Array.isArray(s.type) ? s.type : [s.type]);
  if (types.has('integer')) types.add('number');
  return types;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'number' ? 'number' : typeof v;
}

// Text a person or a broken client sends: ASCII, Chinese, emoji, control characters, SQL/LIKE specials.
const textUnit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'abcxyz019 -_.'.split('')) },
  { weight: 2, arbitrary: fc.constantFrom(...'城管井盖破损占道经营垃圾'.split('')) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%',
      '_',
      "'",
      '"',
      '\\',
      '\u0000',
      '\u0001',
      '\u000b',
      '😀',
      '\ud800',
      '<',
      '&',
    ),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) },
);
const text = (minLength = 0, maxLength = 40) => fc.string({ unit: textUnit, minLength, maxLength });

function stringArb(s: Schema): fc.Arbitrary<string> {
  const min = (s.minLength as number | undefined) ?? 0;
  const max = (s.maxLength as number | undefined) ?? Math.max(min, 40);
  const fits = (v: string) => v.length >= min && v.length <= max;
  if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  if (s.format === 'date-time')
    return fc
      .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString());
  if (s.format === 'email') return fc.emailAddress().filter(fits);
  // Long enough to pass minLength, rarely near maxLength (4000-character descriptions are slow to send).
  return text(min, Math.min(max, min + 40));
}

/** An arbitrary of values the schema admits. */
export function valid(s: Schema, depth = 0): fc.Arbitrary<Json> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as Json[]));
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) return fc.oneof(...branches.map((b) => valid(b, depth)));
  if (Array.isArray(s.allOf) && s.allOf.length) return valid(s.allOf[0] as Schema, depth);
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type: string) => valid({ ...s, type }, depth)));
  switch (s.type) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return fc.integer({
        min:
          Math.max((s.minimum as number | undefined) ?? -1_000_000, Number.MIN_SAFE_INTEGER) +
          (s.exclusiveMinimum !== undefined ? 1 : 0),
        max: Math.min((s.maximum as number | undefined) ?? 1_000_000, Number.MAX_SAFE_INTEGER),
      });
    case 'number': {
      const min = (s.minimum as number | undefined) ?? (s.exclusiveMinimum as number | undefined) ?? -1e6;
      const max = (s.maximum as number | undefined) ?? 1e6;
      return fc
        .double({ min, max, noNaN: true, noDefaultInfinity: true })
        .filter((n) => s.exclusiveMinimum === undefined || n > (s.exclusiveMinimum as number));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth >= MAX_DEPTH) return fc.constant([]);
      const minLength = (s.minItems as number | undefined) ?? 0;
      const maxLength = Math.min((s.maxItems as number | undefined) ?? minLength + 4, minLength + 4);
      return fc.array(valid((s.items as Schema | undefined) ?? {}, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const keys = Object.keys(props);
      if (!keys.length)
        return depth >= MAX_DEPTH
          ? fc.constant({})
          : fc.dictionary(text(1, 12), valid((s.additionalProperties as Schema) ?? {}, depth + 1), {
              maxKeys: 4,
            });
      return fc.record(Object.fromEntries(keys.map((k) => [k, valid(props[k]!, depth + 1)])), {
        requiredKeys: (s.required ?? []) as string[],
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// ---------------------------------------------------------------------------------------------------
// Invalid values: exactly one documented constraint broken, and the field that breaks it

export interface Invalid {
  value: Json;
  /** The dotted field name the answer must name (`body.lat`, `query.limit`, `params.id`). */
  field: string;
  /** Another word that names it just as well (an unrecognised key is reported on its object). */
  alsoNamedBy?: string;
  /** What was broken, for the report. */
  broke: string;
}

const SAMPLES: Record<string, fc.Arbitrary<Json>> = {
  string: fc.constantFrom('x', '', '12'),
  number: fc.constantFrom(0, 1.5, -7, 1e21),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.constantFrom([], [1], ['a']),
  object: fc.constantFrom({}, { a: 1 }),
};

/** Values of another JSON type than any the schema admits. */
function wrongType(s: Schema, field: string, asText: boolean): fc.Arbitrary<Invalid> | undefined {
  const types = typesOf(s);
  if (!types) return undefined;
  if (asText) {
    // A query or path value is always text: only a type that text can miss is breakable.
    if (types.has('string')) return undefined;
    const words = ['zz', '1.5.1', '0x10', 'NaN', ' '];
    if (types.has('number') && !types.has('integer') && !s.type?.includes?.('integer')) words.push();
    return fc
      .constantFrom(...words)
      .map((value) => ({ value, field, broke: `not a ${[...types].join('|')}` }));
  }
  const others = Object.keys(SAMPLES).filter((t) => !types.has(t));
  if (types.has('number') && (s.type === 'integer' || !types.has('string'))) {
    // an integer field: 1.5 is the right type and still wrong
    if (s.type === 'integer') others.push('fraction');
  }
  if (!others.length) return undefined;
  return fc.constantFrom(...others).chain((t) =>
    (t === 'fraction' ? fc.constant(1.5) : SAMPLES[t]!).map((value) => ({
      value,
      field,
      broke: `${t} where ${[...types].join('|')} expected`,
    })),
  );
}

function brokenString(s: Schema, field: string, inPath: boolean): fc.Arbitrary<Invalid>[] {
  const out: fc.Arbitrary<Invalid>[] = [];
  if (Array.isArray(s.enum) && s.enum.every((e: unknown) => typeof e === 'string'))
    out.push(
      text(1, 12)
        .filter((v) => !s.enum.includes(v))
        .map((value) => ({ value, field, broke: 'not one of the enum' })),
    );
  if (typeof s.maxLength === 'number' && s.maxLength < 5000)
    out.push(
      fc
        .integer({ min: s.maxLength + 1, max: s.maxLength + 20 })
        .map((n) => ({ value: 'x'.repeat(n), field, broke: `longer than ${s.maxLength}` })),
    );
  // An empty path segment is another path (a 404 from the router), not a short value.
  if (typeof s.minLength === 'number' && s.minLength > (inPath ? 1 : 0))
    out.push(
      fc.constant({ value: 'x'.repeat(s.minLength - 1), field, broke: `shorter than ${s.minLength}` }),
    );
  if (typeof s.pattern === 'string') {
    const re = new RegExp(s.pattern);
    out.push(
      fc
        .oneof(text(1, 20), fc.constantFrom('0x10', '1e3', ' 12', '12 ', '２０２６', '2026-02-30'))
        // Routes trim what they read (z.string().trim()), which a JSON Schema pattern cannot say.
        .filter((v) => !re.test(v) && !re.test(v.trim()))
        .map((value) => ({ value, field, broke: `does not match ${s.pattern}` })),
    );
  }
  return out;
}

function brokenNumber(s: Schema, field: string, asText: boolean): fc.Arbitrary<Invalid>[] {
  const out: fc.Arbitrary<Invalid>[] = [];
  const enc = (n: number) => (asText ? String(n) : n);
  if (typeof s.maximum === 'number')
    out.push(fc.constant({ value: enc(s.maximum + 1), field, broke: `above ${s.maximum}` }));
  if (typeof s.minimum === 'number')
    out.push(fc.constant({ value: enc(s.minimum - 1), field, broke: `below ${s.minimum}` }));
  if (typeof s.exclusiveMinimum === 'number')
    out.push(
      fc.constant({ value: enc(s.exclusiveMinimum), field, broke: `not above ${s.exclusiveMinimum}` }),
    );
  return out;
}

/**
 * Values that break one constraint of `s`, each with the field to name; undefined when the schema
 * documents nothing breakable. `asText`: the value travels as text (query and path parameters).
 */
export function invalid(
  s: Schema,
  field: string,
  asText = false,
  depth = 0,
): fc.Arbitrary<Invalid> | undefined {
  const inPath = field.startsWith('params.');
  const options: fc.Arbitrary<Invalid>[] = [];
  const wt = wrongType(s, field, asText);
  if (wt) options.push(wt);
  const plain = !s.anyOf && !s.oneOf;
  if (plain && (s.type === 'string' || (s.enum && !s.type))) options.push(...brokenString(s, field, inPath));
  if (plain && (s.type === 'number' || s.type === 'integer')) options.push(...brokenNumber(s, field, asText));
  if (!asText && plain && s.type === 'array' && depth < MAX_DEPTH) {
    if (typeof s.maxItems === 'number' && s.maxItems < 200)
      options.push(
        fc
          .array(valid((s.items as Schema) ?? {}, depth + 1), {
            minLength: s.maxItems + 1,
            maxLength: s.maxItems + 2,
          })
          .map((value) => ({ value, field, broke: `more than ${s.maxItems} items` })),
      );
    const item = s.items ? invalid(s.items as Schema, `${field}.0`, false, depth + 1) : undefined;
    if (item) options.push(item.map((i) => ({ ...i, value: [i.value] })));
  }
  if (!asText && plain && s.type === 'object' && depth < MAX_DEPTH) {
    const props = (s.properties ?? {}) as Record<string, Schema>;
    const base = valid(s, depth) as fc.Arbitrary<Record<string, Json>>;
    for (const key of (s.required ?? []) as string[]) {
      options.push(
        base.map((o) => {
          const { [key]: _gone, ...rest } = o;
          return { value: rest, field: `${field}.${key}`, broke: 'required field missing' };
        }),
      );
    }
    for (const [key, ps] of Object.entries(props)) {
      const inner = invalid(ps, `${field}.${key}`, false, depth + 1);
      if (inner)
        options.push(fc.tuple(base, inner).map(([o, i]) => ({ ...i, value: { ...o, [key]: i.value } })));
    }
    if (s.additionalProperties === false)
      options.push(
        base.map((o) => ({
          value: { ...o, fuzzUnknownKey: 1 },
          field,
          alsoNamedBy: 'fuzzUnknownKey',
          broke: 'an undocumented key',
        })),
      );
  }
  return options.length ? fc.oneof(...options) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Requests

export type Kind = 'valid' | 'invalid-body' | 'invalid-query' | 'invalid-param' | 'anonymous' | 'garbage';

export interface FuzzRequest {
  kind: Kind;
  method: string;
  /** Path with query string, as sent. */
  url: string;
  /** Body text as sent (JSON unless contentType says otherwise). */
  body?: string;
  contentType?: string;
  /** Who calls: a role, 'anonymous', or the route's own credential ('self'). */
  caller: string;
  /** For an invalid request: what must be named. */
  invalid?: Invalid;
}

/** Values the hub already holds, by `<collection>.<field>` and `*.<field>`, so paths reach real rows. */
export type Pool = Map<string, string[]>;

/** Collects string/number values of JSON answers into the pool (`collection` = the list's path segment). */
export function collect(pool: Pool, collection: string, json: unknown, depth = 0): void {
  if (depth > 4 || json === null || typeof json !== 'object') return;
  if (Array.isArray(json)) {
    for (const item of json.slice(0, 50)) collect(pool, collection, item, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number') {
      for (const key of [`${collection}.${k}`, `*.${k}`]) {
        const list = pool.get(key) ?? [];
        if (list.length < 40 && !list.includes(String(v))) list.push(String(v));
        pool.set(key, list);
      }
    } else collect(pool, collection, v, depth + 1);
  }
}

/** The list a path parameter draws real values from: `/api/cases/{id}` → `cases.id`. */
function poolFor(pool: Pool, path: string, name: string): string[] {
  const segments = path.split('/');
  const at = segments.findIndex((s) => s.includes(`{${name}}`));
  const collection = segments[at - 1] ?? '';
  return pool.get(`${collection}.${name}`) ?? pool.get(`*.${name}`) ?? [];
}

// A path value that changes which route matches ('/', '.', '..' as a segment) tests the router, not the route.
const pathSafe = (v: string) => v !== '' && !v.includes('.') && !v.includes('/');

function paramArb(op: Operation, p: Parameter, pool: Pool, realOnly = false): fc.Arbitrary<string> {
  const real = poolFor(pool, op.path, p.name).filter((v) => v !== '.' && v !== '..');
  if (realOnly && real.length) return fc.constantFrom(...real);
  const generated = valid(p.schema)
    .map(String)
    .filter((v) => v !== '.' && v !== '..' && v !== '');
  return real.length ? fc.oneof(fc.constantFrom(...real), generated) : generated;
}

/** Percent-encoding that survives a lone surrogate (sent as the UTF-8 of U+FFFD, as a browser would). */
const encode = (v: string) => {
  try {
    return encodeURIComponent(v);
  } catch {
    return encodeURIComponent(Buffer.from(v, 'utf8').toString('utf8'));
  }
};

const queryString = (entries: [string, string][]) =>
  entries.length ? '?' + entries.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&') : '';

function buildPath(op: Operation, params: Record<string, string>): string {
  return op.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => encode(params[name] ?? ''));
}

/** Arbitraries of the query entries of an operation: optional parameters sometimes, required always. */
function queryArb(op: Operation, pool: Pool): fc.Arbitrary<[string, string][]> {
  const query = op.parameters.filter((p) => p.in === 'query');
  return fc
    .tuple(
      ...query.map((p) => {
        const fits = (v: string) =>
          (typeof p.schema.pattern !== 'string' || new RegExp(p.schema.pattern).test(v)) &&
          (!Array.isArray(p.schema.enum) || p.schema.enum.includes(v));
        const real = (pool.get(`*.${p.name}`) ?? []).filter(fits);
        const gen = valid(p.schema).map(String);
        const value = real.length ? fc.oneof(gen, fc.constantFrom(...real)) : gen;
        return p.required
          ? value.map((v) => [[p.name, v]])
          : fc.option(
              value.map((v) => [[p.name, v]]),
              { nil: undefined },
            );
      }),
    )
    .map((parts) => (parts.filter(Boolean) as [string, string][][]).flat());
}

/** The request arbitrary of one operation, over every kind of request it can be sent. */
export function requestArb(op: Operation, pool: Pool): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const params = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, paramArb(op, p, pool)])));
  // An invalid body or query goes to a path that exists where the hub has one, so that what is judged
  // is the answer to the broken field, not to an unknown path (Open311 checks its format first).
  const realParams = fc.record(
    Object.fromEntries(pathParams.map((p) => [p.name, paramArb(op, p, pool, true)])),
  );
  const query = queryArb(op, pool);
  const bodySchema = op.body ?? op.wordsBody;
  const body = bodySchema ? valid(bodySchema) : fc.constant(undefined);
  const caller = callerArb(op);
  const build = (
    kind: Kind,
    ps: Record<string, string>,
    q: [string, string][],
    b: Json,
    who: string,
    inv?: Invalid,
  ): FuzzRequest => ({
    kind,
    method: op.method,
    url: buildPath(op, ps) + queryString(q),
    ...(b !== undefined ? { body: JSON.stringify(b), contentType: 'application/json' } : {}),
    caller: who,
    ...(inv ? { invalid: inv } : {}),
  });

  const kinds: { weight: number; arbitrary: fc.Arbitrary<FuzzRequest> }[] = [
    {
      weight: 4,
      arbitrary: fc
        .tuple(params, query, body, caller)
        .map(([ps, q, b, who]) => build('valid', ps, q, b, who)),
    },
  ];
  const badBody = op.body ? invalid(op.body, 'body') : undefined;
  if (badBody)
    kinds.push({
      weight: 3,
      arbitrary: fc
        .tuple(realParams, query, badBody, caller)
        .map(([ps, q, inv, who]) => build('invalid-body', ps, q, inv.value, who, inv)),
    });
  const badQuery = op.parameters
    .filter((p) => p.in === 'query')
    .flatMap((p) => {
      const inv = invalid(p.schema, `query.${p.name}`, true);
      const arbs = inv ? [inv.map((i) => ({ name: p.name, inv: i }))] : [];
      // the same parameter twice arrives as an array, which no string parameter admits
      if (typesOf(p.schema)?.has('string') && !typesOf(p.schema)?.has('array'))
        arbs.push(
          fc.constant({
            name: p.name,
            inv: { value: ['1', '2'], field: `query.${p.name}`, broke: 'given twice' },
          }),
        );
      return arbs;
    });
  if (badQuery.length)
    kinds.push({
      weight: 2,
      arbitrary: fc
        .tuple(realParams, query, fc.oneof(...badQuery), body, caller)
        .map(([ps, q, bad, b, who]) => {
          const rest = q.filter(([k]) => k !== bad.name);
          const values = Array.isArray(bad.inv.value) ? (bad.inv.value as string[]) : [String(bad.inv.value)];
          return build(
            'invalid-query',
            ps,
            [...rest, ...values.map((v) => [bad.name, v] as [string, string])],
            b,
            who,
            bad.inv,
          );
        }),
    });
  const badParam = pathParams.flatMap((p) => {
    const inv = invalid(p.schema, `params.${p.name}`, true);
    return inv ? [inv.filter((i) => pathSafe(String(i.value))).map((i) => ({ name: p.name, inv: i }))] : [];
  });
  if (badParam.length)
    kinds.push({
      weight: 2,
      arbitrary: fc
        .tuple(params, query, fc.oneof(...badParam), body, caller)
        .map(([ps, q, bad, b, who]) =>
          build('invalid-param', { ...ps, [bad.name]: String(bad.inv.value) }, q, b, who, bad.inv),
        ),
    });
  if (op.roles !== 'public')
    kinds.push({
      weight: 1,
      arbitrary: fc.tuple(params, query, body).map(([ps, q, b]) => build('anonymous', ps, q, b, 'anonymous')),
    });
  // Bytes no schema describes: malformed JSON, another media type, a body where none is expected, and
  // query strings no client library would write (broken percent-encoding, a bare key, a NUL).
  const rawQuery = fc.constantFrom(
    '?%',
    '?a=%E0%A4%A',
    '?limit',
    '?q=%00',
    '?%ZZ=1',
    '?cursor=%FF%FE',
    '?&&=&',
  );
  const garbageBody =
    op.method === 'GET' || op.method === 'DELETE'
      ? fc.constant({ raw: undefined, type: undefined })
      : fc.record({
          raw: fc.constantFrom('{"a":', '[1,2', 'null', '"x"', '\u0000', '{"__proto__":{"x":1}}', 'a=1&b=2'),
          type: fc.constantFrom(
            'application/json',
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
          ),
        });
  kinds.push({
    weight: 1,
    arbitrary: fc.tuple(params, caller, rawQuery, garbageBody).map(([ps, who, q, b]) => ({
      kind: 'garbage' as const,
      method: op.method,
      url: buildPath(op, ps) + q,
      ...(b.raw !== undefined ? { body: b.raw, contentType: b.type } : {}),
      caller: who,
    })),
  });
  return fc.oneof(...kinds);
}

function callerArb(op: Operation): fc.Arbitrary<string> {
  if (op.selfAuthenticated) return fc.constant('self');
  if (op.roles === 'public') return fc.constant('anonymous');
  if (op.roles === 'authenticated') return fc.constantFrom('administrator', 'department_handler', 'service');
  return fc.constantFrom(...op.roles);
}

// ---------------------------------------------------------------------------------------------------
// Sending and judging

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  ms: number;
}

/** Why an answer breaks a property, or null when it holds. */
export function judge(op: Operation, req: FuzzRequest, res: Answer | Error): string | null {
  if (res instanceof Error) return `no answer: ${res.message}`;
  if (res.status >= 500) return `${res.status}: ${res.body.slice(0, 300)}`;
  const open311 = op.path.startsWith('/open311/');
  if (res.status >= 400) {
    if (open311 && res.contentType !== 'application/problem+json' && /xml|json/.test(res.contentType)) {
      // Open311's own errors come as its list of code + description (the router's 400s as problem+json).
      if (!/description/.test(res.body))
        return `Open311 error without a description: ${res.body.slice(0, 200)}`;
    } else {
      if (res.contentType !== 'application/problem+json')
        return `${res.status} as ${res.contentType}: ${res.body.slice(0, 200)}`;
      let problem: { status?: number; detail?: string; errors?: { field: string; message: string }[] };
      try {
        problem = JSON.parse(res.body);
      } catch {
        return `${res.status} problem+json that is not JSON`;
      }
      if (problem.status !== res.status) return `problem status ${problem.status} on a ${res.status}`;
      if (
        res.status === 400 &&
        !problem.errors?.length &&
        !/\b(body|query|params)\b|field|\w+ (is|must)/.test(problem.detail ?? '')
      )
        return `400 naming no field: ${res.body.slice(0, 200)}`;
    }
  }
  if (req.kind === 'anonymous' && res.status !== 401)
    return `no credentials, got ${res.status} (expected 401)`;
  if (req.invalid) {
    if (res.status < 400) return `${req.invalid.field} (${req.invalid.broke}) accepted with ${res.status}`;
    // A rate limit answers before any validation, by design.
    if (res.status === 429) return null;
    const name = req.invalid.field.replace(/^(params|query|body)\./, '');
    const words = [req.invalid.field, req.invalid.alsoNamedBy].filter(Boolean) as string[];
    if (open311) words.push(name);
    if (!words.some((w) => res.body.includes(w)))
      return `${req.invalid.field} (${req.invalid.broke}) not named in ${res.status}: ${res.body.slice(0, 300)}`;
  }
  return null;
}

/** Sends one request; `headers` are the caller's credentials. */
export async function send(
  base: string,
  req: FuzzRequest,
  headers: Record<string, string>,
  timeoutMs = 20_000,
): Promise<Answer | Error> {
  const started = performance.now();
  try {
    const res = await fetch(base + req.url, {
      method: req.method,
      headers: { ...headers, ...(req.contentType ? { 'content-type': req.contentType } : {}) },
      body: req.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.text();
    return {
      status: res.status,
      contentType: (res.headers.get('content-type') ?? '').split(';')[0]!,
      body,
      ms: performance.now() - started,
    };
  } catch (err) {
    return err as Error;
  }
}
