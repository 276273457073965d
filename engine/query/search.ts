/**
 * One search request of the Orchestration Cluster REST API (v2) turned into SQL: `filter` (a value per
 * field, or an advanced filter {$eq, $neq, $exists, $in, $notIn, $like, $gt, $gte, $lt, $lte}), `sort`
 * ([{field, order}], the key always last as tie-breaker) and `page` ({from, limit} or {after|before,
 * limit}). Answers {items, page: {totalItems, startCursor, endCursor, hasMoreTotalItems}}. Anything it
 * does not understand is refused with a 400 naming the property, never ignored.
 */
import type { Db, Param, Row } from '../store/db.ts';

/** A refused or failed request: an HTTP status and a detail for the problem+json body. */
export class QueryProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'QueryProblem';
  }
}

export const invalid = (detail: string) => new QueryProblem(400, 'INVALID_ARGUMENT', detail);

/** The engine's one tenant (multi-tenancy is not served): every item's tenantId. */
export const TENANT = '<default>';

export type FieldType = 'key' | 'string' | 'int' | 'date' | 'bool';

export interface Field {
  /** SQL expression of the field (a boolean field yields 0/1). */
  sql: string;
  type: FieldType;
  /** The allowed values of an enumeration. */
  values?: readonly string[];
  /**
   * A list the item holds (candidate groups): wraps a condition on `sql` into "some member meets it";
   * $neq and $notIn then mean "no member is", $exists "has members". Such a field is not sortable.
   */
  within?: (condition: string) => string;
}

/** The tenantId field of every search: a constant, so a filter on it keeps every row or none. */
export const tenantField: Field = { sql: `'${TENANT}'`, type: 'string' };

export interface SearchSpec<T> {
  /** FROM clause, joins included; `?` placeholders take `fromParams`. */
  from: string;
  fromParams?: Param[];
  /** Conditions every row must meet. */
  where?: string[];
  /** Searchable and sortable fields, by their API name. */
  fields: Record<string, Field>;
  /** The field that identifies an item (tie-breaker and default sort). */
  keyField: string;
  /** Columns the item is built from. */
  select: string;
  toItem(row: Row): T;
}

export interface SearchResult<T> {
  items: T[];
  page: {
    totalItems: number;
    /** Absent on an empty page (Camunda's schema has them optional, not nullable). */
    startCursor?: string;
    endCursor?: string;
    hasMoreTotalItems: boolean;
  };
}

const DEFAULT_LIMIT = 100;
/** totalItems counts up to this many matches; beyond it hasMoreTotalItems is true. */
export const COUNT_CAP = 10_000;
const MAX_LIMIT = 10_000;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Converts one filter value of a field to its SQL parameter, or refuses it naming the property. */
function sqlValue(field: Field, value: unknown, where: string): Param {
  switch (field.type) {
    case 'key':
      if (typeof value === 'string' && /^\d{1,16}$/.test(value)) return Number(value);
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
      throw invalid(`${where} must be a key: a string of digits, but was ${JSON.stringify(value)}`);
    case 'int':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      throw invalid(`${where} must be an integer, but was ${JSON.stringify(value)}`);
    case 'date': {
      const ms = typeof value === 'string' ? Date.parse(value) : NaN;
      if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(String(value)))
        throw invalid(`${where} must be an ISO 8601 date-time, but was ${JSON.stringify(value)}`);
      return ms;
    }
    case 'bool':
      if (typeof value === 'boolean') return value ? 1 : 0;
      throw invalid(`${where} must be true or false, but was ${JSON.stringify(value)}`);
    case 'string':
      if (typeof value !== 'string')
        throw invalid(`${where} must be a string, but was ${JSON.stringify(value)}`);
      if (field.values && !field.values.includes(value))
        throw invalid(`${where} must be one of ${field.values.join(', ')}, but was '${value}'`);
      return value;
  }
}

const COMPARISONS: Record<string, string> = {
  $eq: '=',
  $neq: '<>',
  $gt: '>',
  $gte: '>=',
  $lt: '<',
  $lte: '<=',
};

/** The SQL conditions of a `filter` object (over the spec's fields), for queries of their own. */
export function filterConditions(
  spec: SearchSpec<unknown>,
  filter: unknown,
): { sql: string[]; params: Param[] } {
  const sql: string[] = [];
  const params: Param[] = [];
  if (filter === undefined || filter === null) return { sql, params };
  if (!isObject(filter)) throw invalid('filter must be an object');
  for (const [name, value] of Object.entries(filter)) {
    const where = `filter.${name}`;
    const field = spec.fields[name];
    if (!field)
      throw invalid(
        `${where} is not a filter this engine supports; supported: ${Object.keys(spec.fields).join(', ')}`,
      );
    if (value === undefined) continue;
    const push = (condition: string, none = false) =>
      sql.push(field.within ? `${none ? 'NOT ' : ''}${field.within(condition)}` : condition);
    if (!isObject(value)) {
      push(`${field.sql} = ?`);
      params.push(sqlValue(field, value, where));
      continue;
    }
    for (const [op, operand] of Object.entries(value)) {
      const at = `${where}.${op}`;
      if (COMPARISONS[op]) {
        if (
          (op !== '$eq' && op !== '$neq' && field.type === 'string') ||
          (field.type === 'bool' && op !== '$eq')
        )
          throw invalid(`${at} is not allowed on ${name}`);
        if (op === '$neq' && field.within) push(`${field.sql} = ?`, true);
        else push(`${field.sql} ${COMPARISONS[op]} ?`);
        params.push(sqlValue(field, operand, at));
      } else if (op === '$exists') {
        if (typeof operand !== 'boolean') throw invalid(`${at} must be true or false`);
        if (field.within) push('1 = 1', !operand);
        else sql.push(`${field.sql} IS ${operand ? 'NOT ' : ''}NULL`);
      } else if (op === '$in' || op === '$notIn') {
        if (!Array.isArray(operand)) throw invalid(`${at} must be an array`);
        if (!operand.length) {
          sql.push(op === '$in' ? '1 = 0' : '1 = 1');
          continue;
        }
        const list = `(${operand.map(() => '?').join(', ')})`;
        if (field.within) push(`${field.sql} IN ${list}`, op === '$notIn');
        else sql.push(`${field.sql} ${op === '$in' ? 'IN' : 'NOT IN'} ${list}`);
        operand.forEach((v, i) => params.push(sqlValue(field, v, `${at}[${i}]`)));
      } else if (op === '$like') {
        if (field.type !== 'string' || field.values) throw invalid(`${at} is not allowed on ${name}`);
        if (typeof operand !== 'string') throw invalid(`${at} must be a string`);
        // Camunda's wildcards: * any characters, ? one character; \ escapes them.
        const pattern = operand.replace(/\\[*?]|[*?%_!]/g, (c) =>
          c.length === 2 ? c[1]! : c === '*' ? '%' : c === '?' ? '_' : `!${c}`,
        );
        push(`${field.sql} LIKE ? ESCAPE '!'`);
        params.push(pattern);
      } else throw invalid(`${at} is not a known filter operator`);
    }
  }
  return { sql, params };
}

function orderBy(spec: SearchSpec<unknown>, sort: unknown): string {
  const parts: string[] = [];
  const key = spec.fields[spec.keyField]!.sql;
  if (sort !== undefined && sort !== null) {
    if (!Array.isArray(sort)) throw invalid('sort must be an array of {field, order}');
    sort.forEach((s: unknown, i) => {
      if (!isObject(s) || typeof s.field !== 'string') throw invalid(`sort[${i}].field is required`);
      const field = spec.fields[s.field];
      if (!field || field.within)
        throw invalid(
          `sort[${i}].field '${s.field}' is not sortable; sortable: ${Object.keys(spec.fields)
            .filter((f) => !spec.fields[f]!.within)
            .join(', ')}`,
        );
      const order = s.order === undefined ? 'ASC' : String(s.order).toUpperCase();
      if (order !== 'ASC' && order !== 'DESC') throw invalid(`sort[${i}].order must be ASC or DESC`);
      // NULLs last in both orders, on both databases.
      parts.push(`(CASE WHEN ${field.sql} IS NULL THEN 1 ELSE 0 END), ${field.sql} ${order}`);
    });
  }
  parts.push(`${key} ASC`);
  return parts.join(', ');
}

// Standard base64 with padding: Camunda's schema for cursors (which its client checks) takes no other.
const encodeCursor = (index: number) => Buffer.from(JSON.stringify({ i: index })).toString('base64');

function decodeCursor(cursor: unknown, where: string): number {
  if (typeof cursor === 'string') {
    try {
      const parsed = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { i?: unknown };
      if (Number.isSafeInteger(parsed.i) && (parsed.i as number) >= 0) return parsed.i as number;
    } catch {
      // refused below
    }
  }
  throw invalid(`${where} is not a cursor this engine issued`);
}

/** Offset and limit of a `page` object. */
function pageOf(page: unknown): { offset: number; limit: number } {
  if (page === undefined || page === null) return { offset: 0, limit: DEFAULT_LIMIT };
  if (!isObject(page)) throw invalid('page must be an object');
  for (const k of Object.keys(page))
    if (!['from', 'limit', 'after', 'before'].includes(k)) throw invalid(`page.${k} is not a known property`);
  let limit = DEFAULT_LIMIT;
  if (page.limit !== undefined) {
    if (!Number.isSafeInteger(page.limit) || (page.limit as number) < 1 || (page.limit as number) > MAX_LIMIT)
      throw invalid(`page.limit must be an integer from 1 to ${MAX_LIMIT}`);
    limit = page.limit as number;
  }
  const modes = ['from', 'after', 'before'].filter((k) => page[k] !== undefined);
  if (modes.length > 1) throw invalid(`page takes one of from, after and before, not ${modes.join(' and ')}`);
  if (page.from !== undefined) {
    if (!Number.isSafeInteger(page.from) || (page.from as number) < 0)
      throw invalid('page.from must be an integer ≥ 0');
    return { offset: page.from as number, limit };
  }
  if (page.after !== undefined) return { offset: decodeCursor(page.after, 'page.after') + 1, limit };
  if (page.before !== undefined) {
    const before = decodeCursor(page.before, 'page.before');
    return { offset: Math.max(0, before - limit), limit: Math.min(limit, before) };
  }
  return { offset: 0, limit };
}

/** Runs one search request against `spec`. */
export async function search<T>(db: Db, spec: SearchSpec<T>, body: unknown): Promise<SearchResult<T>> {
  const request = body ?? {};
  if (!isObject(request)) throw invalid('the request body must be a JSON object');
  for (const k of Object.keys(request))
    if (!['filter', 'sort', 'page'].includes(k)) throw invalid(`${k} is not a known property of a search`);
  const filter = filterConditions(spec as SearchSpec<unknown>, request.filter);
  const order = orderBy(spec as SearchSpec<unknown>, request.sort);
  const { offset, limit } = pageOf(request.page);
  const conditions = [...(spec.where ?? []), ...filter.sql];
  const where = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
  const params = [...(spec.fromParams ?? []), ...filter.params];
  // Counting stops past COUNT_CAP (as Camunda's totalItems does, with hasMoreTotalItems), so a search
  // over a long history costs a bounded count, not a scan of every row.
  const [count] = await db.all(
    `SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM ${spec.from}${where} LIMIT ${COUNT_CAP + 1}) counted`,
    params,
  );
  const counted = Number(count?.n ?? 0);
  const hasMoreTotalItems = counted > COUNT_CAP;
  const totalItems = Math.min(counted, COUNT_CAP);
  const rows =
    limit > 0 && (offset < totalItems || hasMoreTotalItems)
      ? await db.all(`SELECT ${spec.select} FROM ${spec.from}${where} ORDER BY ${order} LIMIT ? OFFSET ?`, [
          ...params,
          limit,
          offset,
        ])
      : [];
  return {
    items: rows.map((r) => spec.toItem(r)),
    page: {
      totalItems,
      hasMoreTotalItems,
      ...(rows.length
        ? { startCursor: encodeCursor(offset), endCursor: encodeCursor(offset + rows.length - 1) }
        : {}),
    },
  };
}

/** Epoch ms → the ISO 8601 date-time the API answers with; null stays null. */
export const isoDate = (v: unknown): string | undefined =>
  v === null || v === undefined ? undefined : new Date(Number(v)).toISOString();

/** A key column → the decimal string the API answers with; null stays absent. */
export const keyString = (v: unknown): string | undefined =>
  v === null || v === undefined ? undefined : String(v);
