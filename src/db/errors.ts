/**
 * Recognising database errors the hub handles on purpose. Both generated clients share Prisma's runtime,
 * so one check covers SQLite and PostgreSQL.
 */
import { HubError } from '../errors.ts';
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

/** Words for a person, by what went wrong; no host, port, code or query (the error sink logs those). */
const OUTAGE = {
  unreachable: 'the database cannot be reached just now',
  lost: 'the connection to the database was lost',
  busy: 'the database is too busy to start the work just now',
  timedOut: 'the database did not finish the work in time',
} as const;

/**
 * Prisma codes that pass with time: P1001/P1002 server not reached, P1008 operation timed out, P1017
 * server closed the connection, P2024 no pool connection in time, P2028 a transaction that could not start
 * in its maxWait or outlived its timeout (the soak's load made both), P2034 write conflict or deadlock.
 */
const PRISMA_CODES = new Map<unknown, keyof typeof OUTAGE>([
  ['P1001', 'unreachable'],
  ['P1002', 'unreachable'],
  ['P1008', 'timedOut'],
  ['P1017', 'lost'],
  ['P2024', 'busy'],
  ['P2028', 'busy'],
  ['P2034', 'busy'],
]);

/** What the driver adapters report (Prisma's `meta.driverAdapterError.cause.kind`). */
const ADAPTER_KINDS = new Map<unknown, keyof typeof OUTAGE>([
  ['DatabaseNotReachable', 'unreachable'],
  ['ConnectionClosed', 'lost'],
  ['SocketTimeout', 'timedOut'],
  ['TooManyConnections', 'busy'],
  ['TransactionAlreadyClosed', 'timedOut'],
  ['TransactionWriteConflict', 'busy'],
]);

/**
 * PostgreSQL SQLSTATEs of a server going away or coming back: class 08 (connection exceptions), 57P01
 * admin shutdown (pg_terminate_backend, a fast stop), 57P02 crash shutdown, 57P03 starting up or in
 * recovery, 53300 too many connections.
 */
const sqlState = (state: string): keyof typeof OUTAGE | undefined =>
  state.startsWith('08') || state === '57P01' || state === '57P02'
    ? 'lost'
    : state === '57P03'
      ? 'unreachable'
      : state === '53300'
        ? 'busy'
        : undefined;

/**
 * node-postgres's errors for a connection lost or never made, which carry no code: Prisma's PostgreSQL
 * adapter maps only socket errors with a code (to P1001) and passes these through as they are. A
 * database server restarted under the hub ends every open connection with the first of them.
 */
const PG_CONNECTION_LOST =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect)$/;

function outageOf(e: object): keyof typeof OUTAGE | undefined {
  const code = (e as { code?: unknown }).code;
  const prisma = PRISMA_CODES.get(code);
  if (prisma) {
    // P2028 is both: no transaction started within maxWait (busy), or one that outlived its timeout.
    if (code === 'P2028' && !/unable to start/i.test(String((e as { message?: unknown }).message)))
      return 'timedOut';
    return prisma;
  }
  if (code === 'SQLITE_BUSY') return 'busy';
  const cause = (e as { meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } } }).meta
    ?.driverAdapterError?.cause;
  const adapter = ADAPTER_KINDS.get(cause?.kind);
  if (adapter) return adapter;
  if (cause?.kind === 'postgres' && typeof cause.code === 'string') return sqlState(cause.code);
  if (e instanceof Error && code === undefined && PG_CONNECTION_LOST.test(e.message)) return 'lost';
  return undefined;
}

/**
 * Why the database could not do its part just now — unreachable, its connection lost (a restart), too busy
 * to start a transaction, out of time — in words for a person; undefined for any other error. Each of
 * these passes with time, so the caller retries later: a worker fails the job with its back-off, the API
 * answers 503 with Retry-After. Follows `cause` a few levels, stopping at a HubError (which carries its own
 * verdict, `retryable`).
 */
export function databaseOutage(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (e instanceof HubError) return undefined;
    const kind = outageOf(e);
    if (kind) return OUTAGE[kind];
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
