/**
 * SQL fragments that differ between SQLite and PostgreSQL, for the few reads that bypass Prisma's query
 * API: Prisma converts every cell of a result on its own (tens of microseconds per row), so a read of
 * thousands of rows answers them as one JSON text instead (src/assessment/load.ts, src/map/open-cases.ts).
 * The arguments are column expressions written by the caller, never user input.
 */
import type { DatabaseProvider } from './migrate.ts';

/**
 * A DateTime column as milliseconds since the epoch (an integer, NULL stays NULL). SQLite holds Prisma's
 * DateTime as ISO text with +00:00, PostgreSQL as timestamp(3) without time zone holding UTC.
 */
export const epochMs = (provider: DatabaseProvider, column: string): string =>
  provider === 'postgresql'
    ? `(extract(epoch from ${column}) * 1000)::bigint`
    : `CAST(ROUND((julianday(${column}) - 2440587.5) * 86400000) AS INTEGER)`;

/** A JSON array of the cells, one per row. */
export const jsonArray = (provider: DatabaseProvider, cells: string[]): string =>
  `${provider === 'postgresql' ? 'json_build_array' : 'json_array'}(${cells.join(', ')})`;

/**
 * The rows' `value`s as one JSON array text, in `orderBy` order. Over no rows SQLite answers '[]' and
 * PostgreSQL NULL: read it as `text ?? '[]'`.
 */
export const jsonArrayAgg = (provider: DatabaseProvider, value: string, orderBy: string): string =>
  provider === 'postgresql'
    ? `json_agg(${value} ORDER BY ${orderBy})::text`
    : `json_group_array(${value} ORDER BY ${orderBy})`;
