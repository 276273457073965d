/**
 * Prisma's better-sqlite3 adapter has one connection. It keeps interactive transactions apart from each
 * other (a mutex around BEGIN … COMMIT), but a statement sent outside any transaction runs on that same
 * connection at once, even while a transaction is open there: it then reads the transaction's uncommitted
 * rows and its writes become part of that transaction, so a rollback silently takes them too. On
 * PostgreSQL the same statement runs on a connection of its own and is kept. This gate gives SQLite the
 * same meaning: a statement outside a transaction waits until no transaction is open, and transactions
 * and such statements take turns in the order they asked (first come, first served, so a steady stream of
 * transactions cannot starve single statements, nor the reverse).
 *
 * A plain SELECT outside a transaction need not wait: it goes to a second, read-only connection
 * (`reader`), which in WAL mode reads the last committed state while a transaction is open on the first.
 * So a long transaction (an import, a rollup) holds up other writers only, as it would on PostgreSQL, not
 * every page's reads. Anything else (INSERT … RETURNING, UPDATE, PRAGMA …) takes its turn.
 *
 * The price is that code inside a transaction must use the transaction's client: a write on the outer
 * client there would wait for a transaction that waits for it, and a read would not see the
 * transaction's own rows. Prisma's transaction timeout ends such a wait with an error rather than a hang.
 */
import type { SqlDriverAdapter, Transaction } from '@prisma/driver-adapter-utils';

/** A first-come, first-served lock. */
class TurnQueue {
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  /** Resolves with the function that ends this turn once every earlier caller has ended theirs. */
  async take(): Promise<() => void> {
    if (this.#busy || this.#waiting.length > 0) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#busy = true;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#busy = false;
    };
  }
}

/** A statement that only reads (SQLite has no SELECT … FOR UPDATE; WITH may precede a write). */
const READ_ONLY = /^\s*SELECT\b/i;

/**
 * Wraps the adapter's connection so that statements outside transactions wait for open transactions;
 * plain SELECTs outside transactions go to `reader`, a second connection to the same file, at once.
 */
export function oneTransactionAtATime<A extends SqlDriverAdapter>(adapter: A, reader?: SqlDriverAdapter): A {
  const turns = new TurnQueue();
  const alone =
    <Args extends unknown[], R>(run: (...args: Args) => Promise<R>) =>
    async (...args: Args): Promise<R> => {
      const end = await turns.take();
      try {
        return await run(...args);
      } finally {
        end();
      }
    };
  const queued = alone(adapter.queryRaw.bind(adapter));
  const queryRaw: SqlDriverAdapter['queryRaw'] = (query) =>
    reader && READ_ONLY.test(query.sql) ? reader.queryRaw(query) : queued(query);
  const executeRaw = alone(adapter.executeRaw.bind(adapter));
  const executeScript = alone(adapter.executeScript.bind(adapter));
  const startTransaction = adapter.startTransaction.bind(adapter);
  return new Proxy(adapter, {
    get(target, property, receiver) {
      switch (property) {
        case 'queryRaw':
          return queryRaw;
        case 'executeRaw':
          return executeRaw;
        case 'executeScript':
          return executeScript;
        case 'dispose':
          return async () => {
            await reader?.dispose();
            await target.dispose();
          };
        case 'startTransaction':
          return async (isolationLevel?: Parameters<A['startTransaction']>[0]): Promise<Transaction> => {
            const end = await turns.take();
            let transaction: Transaction;
            try {
              transaction = await startTransaction(isolationLevel);
            } catch (error) {
              end();
              throw error;
            }
            // Prisma always ends a transaction with commit() or rollback() (after sending COMMIT or
            // ROLLBACK through it), also when it timed out or was discarded after maxWait.
            const commit = transaction.commit.bind(transaction);
            const rollback = transaction.rollback.bind(transaction);
            transaction.commit = () => commit().finally(end);
            transaction.rollback = () => rollback().finally(end);
            return transaction;
          };
        default:
          return Reflect.get(target, property, receiver);
      }
    },
  });
}
