/**
 * Recognising database errors the hub handles on purpose. Both generated clients share Prisma's runtime,
 * so one check covers SQLite and PostgreSQL.
 */
import { Prisma } from '../generated/sqlite/client.ts';

interface AdapterConstraint {
  fields?: string[];
  index?: string;
}

/**
 * Whether `err` is a unique-constraint violation (Prisma P2002) — how a redelivered inbox event, a case
 * with a known (source, sourceRef) or a replayed timeline entry shows up. With `fields` (in the order the
 * model declares them), only a violation of exactly that unique constraint counts.
 */
export function isUniqueViolation(err: unknown, fields?: readonly string[]): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== 'P2002') return false;
  if (!fields) return true;
  const meta = err.meta as
    | {
        target?: unknown;
        driverAdapterError?: { cause?: { constraint?: AdapterConstraint; table?: string } };
      }
    | undefined;
  if (Array.isArray(meta?.target)) return sameFields(meta.target.map(String), fields);
  const cause = meta?.driverAdapterError?.cause;
  const constraint = cause?.constraint;
  // SQLite names the columns; PostgreSQL names the index, which Prisma calls <Model>_<fields>_key.
  if (constraint?.fields) return sameFields(constraint.fields, fields);
  if (constraint?.index && cause?.table) return constraint.index === `${cause.table}_${fields.join('_')}_key`;
  return false;
}

const sameFields = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((f, i) => f === b[i]);
