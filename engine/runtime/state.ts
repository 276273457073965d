/**
 * The unit of work of one command: the rows the command read (whole process instances are loaded as
 * aggregates — a waiting instance is only a handful of rows), the changes it made, and the flush that
 * writes exactly those changes inside the command's transaction. Nothing here outlives the command.
 */
import type { Db, Param, Row } from '../store/db.ts';
import type { ListenerState } from './listeners.ts';

export type EiState = 'ACTIVATING' | 'ACTIVATED' | 'COMPLETING' | 'TERMINATING';

export interface PiRow {
  key: number;
  processKey: number;
  bpmnProcessId: string;
  version: number;
  parentPiKey: number | null;
  parentElementInstanceKey: number | null;
  startCorrelationKey: string | null;
  createdAt: number;
}

/** Per-instance bookkeeping that has no column of its own. */
export interface EiData {
  /** Sequence flows taken to a joining parallel or inclusive gateway, not consumed yet: flow id → count. */
  tokens?: Record<string, number>;
  /** Multi-instance body: the input collection, next index, completed count, output collection. */
  mi?: { items: unknown[]; next: number; completed: number; output?: unknown[]; stop?: boolean };
  /** Inner instance of a multi-instance body: its 0-based index. */
  loopIndex?: number;
  /** Variables an event carried, applied when the element completes. */
  eventVariables?: Record<string, unknown>;
  /** Called process instance of a call activity. */
  childPiKey?: number;
  /** Open Camunda user task of a user task element (runtime/user-tasks.ts). */
  userTaskKey?: number;
  /** Execution listeners of the element: where they stand (runtime/listeners.ts). */
  listener?: ListenerState;
  /** Process instance waiting for its start listeners: the start events it then starts at. */
  startAt?: string[];
}

export interface EiRow {
  key: number;
  piKey: number;
  elementId: string;
  elementType: string;
  flowScopeKey: number | null;
  state: EiState;
  data: EiData;
}

export type JobState = 'ACTIVATABLE' | 'ACTIVATED' | 'BACKOFF' | 'FAILED' | 'ERROR_THROWN';

export interface JobRow {
  key: number;
  piKey: number;
  elementInstanceKey: number;
  elementId: string;
  processKey: number;
  bpmnProcessId: string;
  version: number;
  type: string;
  state: JobState;
  retries: number;
  worker: string;
  deadline: number | null;
  headers: Record<string, string>;
  errorMessage: string;
}

export interface TimerRow {
  key: number;
  piKey: number | null;
  elementInstanceKey: number | null;
  processKey: number;
  elementId: string;
  due: number;
  /** Remaining repetitions; -1 = unbounded. */
  repetitions: number;
  spec: string;
}

export type SubscriptionKind = 'message' | 'message-start' | 'signal' | 'signal-start';

export interface SubRow {
  key: number;
  kind: SubscriptionKind;
  name: string;
  correlationKey: string;
  piKey: number | null;
  elementInstanceKey: number | null;
  processKey: number;
  bpmnProcessId: string;
  elementId: string;
  interrupting: boolean;
}

export interface IncidentRow {
  key: number;
  piKey: number;
  elementInstanceKey: number;
  elementId: string;
  jobKey: number | null;
  errorType: string;
  message: string;
  createdAt: number;
}

export interface VarRow {
  /** Zeebe's variable key: taken when the variable is created, kept while it changes. */
  key: number;
  scopeKey: number;
  name: string;
  piKey: number;
  value: unknown;
}

/** Column mapping of one table: SQL name, row ↔ params. */
interface TableSpec<R> {
  table: string;
  columns: string[];
  keyColumns: string[];
  toParams(r: R): Param[];
  fromRow(row: Row): R;
  keyOf(r: R): string;
}

const json = (v: unknown) => JSON.stringify(v);
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

const PI: TableSpec<PiRow> = {
  table: 'zb_process_instance',
  columns: [
    'key',
    'process_key',
    'bpmn_process_id',
    'version',
    'parent_pi_key',
    'parent_element_instance_key',
    'start_correlation_key',
    'created_at',
  ],
  keyColumns: ['key'],
  toParams: (r) => [
    r.key,
    r.processKey,
    r.bpmnProcessId,
    r.version,
    r.parentPiKey,
    r.parentElementInstanceKey,
    r.startCorrelationKey,
    r.createdAt,
  ],
  fromRow: (r) => ({
    key: Number(r.key),
    processKey: Number(r.process_key),
    bpmnProcessId: String(r.bpmn_process_id),
    version: Number(r.version),
    parentPiKey: num(r.parent_pi_key),
    parentElementInstanceKey: num(r.parent_element_instance_key),
    startCorrelationKey: (r.start_correlation_key as string | null) ?? null,
    createdAt: Number(r.created_at),
  }),
  keyOf: (r) => String(r.key),
};

const EI: TableSpec<EiRow> = {
  table: 'zb_element_instance',
  columns: ['key', 'pi_key', 'element_id', 'element_type', 'flow_scope_key', 'state', 'data'],
  keyColumns: ['key'],
  toParams: (r) => [r.key, r.piKey, r.elementId, r.elementType, r.flowScopeKey, r.state, json(r.data)],
  fromRow: (r) => ({
    key: Number(r.key),
    piKey: Number(r.pi_key),
    elementId: String(r.element_id),
    elementType: String(r.element_type),
    flowScopeKey: num(r.flow_scope_key),
    state: r.state as EiState,
    data: JSON.parse(String(r.data)) as EiData,
  }),
  keyOf: (r) => String(r.key),
};

const VAR: TableSpec<VarRow> = {
  table: 'zb_variable',
  columns: ['key', 'scope_key', 'name', 'pi_key', 'value'],
  keyColumns: ['scope_key', 'name'],
  toParams: (r) => [r.key, r.scopeKey, r.name, r.piKey, json(r.value)],
  fromRow: (r) => ({
    key: Number(r.key),
    scopeKey: Number(r.scope_key),
    name: String(r.name),
    piKey: Number(r.pi_key),
    value: JSON.parse(String(r.value)),
  }),
  keyOf: (r) => `${r.scopeKey}\u0000${r.name}`,
};

const JOB: TableSpec<JobRow> = {
  table: 'zb_job',
  columns: [
    'key',
    'pi_key',
    'element_instance_key',
    'element_id',
    'process_key',
    'bpmn_process_id',
    'version',
    'type',
    'state',
    'retries',
    'worker',
    'deadline',
    'headers',
    'error_message',
  ],
  keyColumns: ['key'],
  toParams: (r) => [
    r.key,
    r.piKey,
    r.elementInstanceKey,
    r.elementId,
    r.processKey,
    r.bpmnProcessId,
    r.version,
    r.type,
    r.state,
    r.retries,
    r.worker,
    r.deadline,
    json(r.headers),
    r.errorMessage,
  ],
  fromRow: (r) => ({
    key: Number(r.key),
    piKey: Number(r.pi_key),
    elementInstanceKey: Number(r.element_instance_key),
    elementId: String(r.element_id),
    processKey: Number(r.process_key),
    bpmnProcessId: String(r.bpmn_process_id),
    version: Number(r.version),
    type: String(r.type),
    state: r.state as JobState,
    retries: Number(r.retries),
    worker: String(r.worker),
    deadline: num(r.deadline),
    headers: JSON.parse(String(r.headers)) as Record<string, string>,
    errorMessage: String(r.error_message),
  }),
  keyOf: (r) => String(r.key),
};

const TIMER: TableSpec<TimerRow> = {
  table: 'zb_timer',
  columns: [
    'key',
    'pi_key',
    'element_instance_key',
    'process_key',
    'element_id',
    'due',
    'repetitions',
    'spec',
  ],
  keyColumns: ['key'],
  toParams: (r) => [
    r.key,
    r.piKey,
    r.elementInstanceKey,
    r.processKey,
    r.elementId,
    r.due,
    r.repetitions,
    r.spec,
  ],
  fromRow: (r) => ({
    key: Number(r.key),
    piKey: num(r.pi_key),
    elementInstanceKey: num(r.element_instance_key),
    processKey: Number(r.process_key),
    elementId: String(r.element_id),
    due: Number(r.due),
    repetitions: Number(r.repetitions),
    spec: String(r.spec),
  }),
  keyOf: (r) => String(r.key),
};

const SUB: TableSpec<SubRow> = {
  table: 'zb_subscription',
  columns: [
    'key',
    'kind',
    'name',
    'correlation_key',
    'pi_key',
    'element_instance_key',
    'process_key',
    'bpmn_process_id',
    'element_id',
    'interrupting',
  ],
  keyColumns: ['key'],
  toParams: (r) => [
    r.key,
    r.kind,
    r.name,
    r.correlationKey,
    r.piKey,
    r.elementInstanceKey,
    r.processKey,
    r.bpmnProcessId,
    r.elementId,
    r.interrupting ? 1 : 0,
  ],
  fromRow: (r) => ({
    key: Number(r.key),
    kind: r.kind as SubscriptionKind,
    name: String(r.name),
    correlationKey: String(r.correlation_key),
    piKey: num(r.pi_key),
    elementInstanceKey: num(r.element_instance_key),
    processKey: Number(r.process_key),
    bpmnProcessId: String(r.bpmn_process_id),
    elementId: String(r.element_id),
    interrupting: Number(r.interrupting) === 1,
  }),
  keyOf: (r) => String(r.key),
};

const INCIDENT: TableSpec<IncidentRow> = {
  table: 'zb_incident',
  columns: [
    'key',
    'pi_key',
    'element_instance_key',
    'element_id',
    'job_key',
    'error_type',
    'message',
    'created_at',
  ],
  keyColumns: ['key'],
  toParams: (r) => [
    r.key,
    r.piKey,
    r.elementInstanceKey,
    r.elementId,
    r.jobKey,
    r.errorType,
    r.message,
    r.createdAt,
  ],
  fromRow: (r) => ({
    key: Number(r.key),
    piKey: Number(r.pi_key),
    elementInstanceKey: Number(r.element_instance_key),
    elementId: String(r.element_id),
    jobKey: num(r.job_key),
    errorType: String(r.error_type),
    message: String(r.message),
    createdAt: Number(r.created_at),
  }),
  keyOf: (r) => String(r.key),
};

/** Rows per multi-row INSERT (statement count dominates the cost of a command on SQLite). */
const INSERT_CHUNK = 50;

/**
 * INSERT statements by column list (callers pass constant arrays), table and row count. Building the
 * text (and hashing a fresh string in the store's prepared-statement cache) cost more than running the
 * insert itself on SQLite.
 */
const insertSql = new WeakMap<string[], Map<string, string[]>>();

function insertText(table: string, columns: string[], rowCount: number): string {
  let byTable = insertSql.get(columns);
  if (!byTable) insertSql.set(columns, (byTable = new Map()));
  let byCount = byTable.get(table);
  if (!byCount) byTable.set(table, (byCount = []));
  let sql = byCount[rowCount];
  if (!sql) {
    const one = `(${columns.map(() => '?').join(', ')})`;
    sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rowCount }, () => one).join(', ')}`;
    byCount[rowCount] = sql;
  }
  return sql;
}

/** Inserts rows with as few statements as possible (multi-row VALUES, prepared per row count). */
export async function insertRows(db: Db, table: string, columns: string[], rows: Param[][]) {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = i === 0 && rows.length <= INSERT_CHUNK ? rows : rows.slice(i, i + INSERT_CHUNK);
    await db.run(insertText(table, columns, chunk.length), chunk.length === 1 ? chunk[0] : chunk.flat());
  }
}

/** The statements of one table's flush, built once per table. */
interface TableSql {
  /** Positions of the key columns in `columns`. */
  keyAt: number[];
  /** `ON CONFLICT (key) DO UPDATE SET …` of an upsert: new and changed rows share one statement. */
  upsertTail: string;
  /** `DELETE … WHERE (key columns) IN (`, closed by the callers' row list. */
  deleteHead: string;
  /** One key's placeholders: `?` or `(?, ?)`. */
  keyMarks: string;
  /** Positions of the other columns, in `update` order. */
  restAt: number[];
  /** UPDATE of one row by its key (SQLite's changed rows). */
  update: string;
}

const tableSql = new WeakMap<TableSpec<unknown>, TableSql>();

function sqlOf<R>(spec: TableSpec<R>): TableSql {
  let sql = tableSql.get(spec as TableSpec<unknown>);
  if (!sql) {
    const { table, columns, keyColumns } = spec;
    const rest = columns.filter((c) => !keyColumns.includes(c));
    const single = keyColumns.length === 1;
    sql = {
      keyAt: keyColumns.map((c) => columns.indexOf(c)),
      upsertTail: ` ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${rest.map((c) => `${c} = excluded.${c}`).join(', ')}`,
      deleteHead: `DELETE FROM ${table} WHERE ${single ? keyColumns[0] : `(${keyColumns.join(', ')})`} IN (`,
      keyMarks: single ? '?' : `(${keyColumns.map(() => '?').join(', ')})`,
      restAt: rest.map((c) => columns.indexOf(c)),
      update: `UPDATE ${table} SET ${rest.map((c) => `${c} = ?`).join(', ')} WHERE ${keyColumns.map((c) => `${c} = ?`).join(' AND ')}`,
    };
    tableSql.set(spec as TableSpec<unknown>, sql);
  }
  return sql;
}

/** Upsert and delete texts by table and row count, built once (see insertSql). */
const flushSql = new Map<string, string>();
function flushText(kind: 'upsert' | 'delete', spec: TableSpec<unknown>, rowCount: number): string {
  const id = `${kind}\u0000${spec.table}\u0000${rowCount}`;
  let text = flushSql.get(id);
  if (!text) {
    const sql = sqlOf(spec);
    text =
      kind === 'upsert'
        ? insertText(spec.table, spec.columns, rowCount) + sql.upsertTail
        : `${sql.deleteHead}${Array.from({ length: rowCount }, () => sql.keyMarks).join(', ')})`;
    flushSql.set(id, text);
  }
  return text;
}

/** Rows of one table seen by the command, with what changed. */
export class Table<R> {
  readonly rows = new Map<string, R>();
  private readonly inserted = new Set<string>();
  private readonly updated = new Set<string>();
  private readonly deleted = new Map<string, R>();
  constructor(readonly spec: TableSpec<R>) {}

  /** Adds a row read from the database; undefined when this command already deleted it. */
  load(row: Row): R | undefined {
    const r = this.spec.fromRow(row);
    const k = this.spec.keyOf(r);
    if (this.deleted.has(k)) return undefined;
    const have = this.rows.get(k);
    if (have) return have;
    this.rows.set(k, r);
    return r;
  }
  insert(r: R): R {
    const k = this.spec.keyOf(r);
    if (this.deleted.has(k)) {
      // re-created in the same command (e.g. a variable deleted and set again): becomes an update
      this.deleted.delete(k);
      this.updated.add(k);
    } else if (this.rows.has(k)) this.updated.add(k);
    else this.inserted.add(k);
    this.rows.set(k, r);
    return r;
  }
  /** Marks a held row as changed. */
  touch(r: R) {
    const k = this.spec.keyOf(r);
    if (!this.inserted.has(k)) this.updated.add(k);
  }
  remove(r: R) {
    const k = this.spec.keyOf(r);
    this.rows.delete(k);
    if (this.inserted.delete(k)) return;
    this.updated.delete(k);
    this.deleted.set(k, r);
  }
  get(key: string | number): R | undefined {
    return this.rows.get(String(key));
  }
  values(): IterableIterator<R> {
    return this.rows.values();
  }

  /**
   * Writes what changed: per table one DELETE for the rows gone and one upsert for the rows new or
   * changed (per chunk of INSERT_CHUNK rows), so a command costs a few statements however many rows it
   * touched — on PostgreSQL each statement is a round trip.
   */
  async flush(db: Db) {
    // most tables of a command change nothing
    if (!this.deleted.size && !this.inserted.size && !this.updated.size) return;
    const spec = this.spec as TableSpec<unknown>;
    const { toParams } = this.spec;
    if (this.deleted.size) {
      const { keyAt } = sqlOf(spec);
      const gone = [...this.deleted.values()];
      for (let i = 0; i < gone.length; i += INSERT_CHUNK) {
        const chunk = gone.slice(i, i + INSERT_CHUNK);
        const params: Param[] = [];
        for (const r of chunk) {
          const p = toParams(r);
          for (const at of keyAt) params.push(p[at]!);
        }
        await db.run(flushText('delete', spec, chunk.length), params);
      }
    }
    if (db.dialect === 'sqlite') {
      // In-process statements: plain INSERTs and one UPDATE per changed row cost less here than upserts.
      if (this.inserted.size)
        await insertRows(
          db,
          spec.table,
          spec.columns,
          [...this.inserted].map((k) => toParams(this.rows.get(k)!)),
        );
      const sql = sqlOf(spec);
      for (const k of this.updated) {
        if (this.inserted.has(k)) continue;
        const p = toParams(this.rows.get(k)!);
        const params: Param[] = [];
        for (const i of sql.restAt) params.push(p[i]!);
        for (const i of sql.keyAt) params.push(p[i]!);
        await db.run(sql.update, params);
      }
      return;
    }
    if (this.inserted.size || this.updated.size) {
      // (a row inserted and then set again by the same command is in both sets: written once)
      const keys = new Set([...this.inserted, ...this.updated]);
      const rows = [...keys].map((k) => toParams(this.rows.get(k)!));
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = i === 0 && rows.length <= INSERT_CHUNK ? rows : rows.slice(i, i + INSERT_CHUNK);
        await db.run(flushText('upsert', spec, chunk.length), chunk.length === 1 ? chunk[0] : chunk.flat());
      }
    }
  }
}

/** Everything one command touched. */
export class UnitOfWork {
  readonly pis = new Table(PI);
  readonly eis = new Table(EI);
  readonly vars = new Table(VAR);
  readonly jobs = new Table(JOB);
  readonly timers = new Table(TIMER);
  readonly subs = new Table(SUB);
  readonly incidents = new Table(INCIDENT);
  private readonly loaded = new Set<number>();

  constructor(readonly db: Db) {}

  /** Loads a process instance with all its rows (once per command). Returns undefined if it is gone. */
  async instance(piKey: number): Promise<PiRow | undefined> {
    if (this.loaded.has(piKey)) return this.pis.get(piKey);
    if (this.db.dialect === 'postgres')
      return this.loadAggregate(await this.db.all(aggregateSql('?'), Array(AGGREGATE.length).fill(piKey)));
    this.loaded.add(piKey);
    const db = this.db;
    const [pi] = await db.all(`SELECT * FROM zb_process_instance WHERE key = ?`, [piKey]);
    if (!pi) return undefined;
    const row = this.pis.load(pi);
    if (!row) return undefined;
    for (const r of await db.all(`SELECT * FROM zb_element_instance WHERE pi_key = ?`, [piKey]))
      this.eis.load(r);
    for (const r of await db.all(`SELECT * FROM zb_variable WHERE pi_key = ?`, [piKey])) this.vars.load(r);
    for (const r of await db.all(`SELECT * FROM zb_job WHERE pi_key = ?`, [piKey])) this.jobs.load(r);
    for (const r of await db.all(`SELECT * FROM zb_timer WHERE pi_key = ?`, [piKey])) this.timers.load(r);
    for (const r of await db.all(`SELECT * FROM zb_subscription WHERE pi_key = ?`, [piKey]))
      this.subs.load(r);
    for (const r of await db.all(`SELECT * FROM zb_incident WHERE pi_key = ?`, [piKey]))
      this.incidents.load(r);
    return row;
  }

  /** The process instance a job belongs to, loaded as `instance` does; undefined if there is none. */
  async instanceOfJob(jobKey: number): Promise<PiRow | undefined> {
    const held = this.jobs.get(jobKey);
    if (held) return this.instance(held.piKey);
    if (this.db.dialect === 'postgres')
      return this.loadAggregate(
        await this.db.all(
          aggregateSql('(SELECT pi_key FROM zb_job WHERE key = ?)'),
          Array(AGGREGATE.length).fill(jobKey),
        ),
      );
    const [row] = await this.db.all(`SELECT pi_key FROM zb_job WHERE key = ?`, [jobKey]);
    return row ? this.instance(Number(row.pi_key)) : undefined;
  }

  /** Takes in the rows of aggregateSql: the instance row (tag 0) and its other rows. */
  private loadAggregate(rows: Row[]): PiRow | undefined {
    const piRow = rows.find((r) => Number(r.t) === 0);
    if (!piRow) return undefined;
    const piKey = Number((piRow.r as Row).key);
    // (already loaded by this command: what it holds is newer than the database's rows)
    if (this.loaded.has(piKey)) return this.pis.get(piKey);
    this.loaded.add(piKey);
    const pi = this.pis.load(piRow.r as Row);
    if (!pi) return undefined;
    const tables = this.tables();
    for (const r of rows) {
      const t = Number(r.t);
      if (t !== 0) tables[t]!.load(r.r as Row);
    }
    return pi;
  }

  /** The instance's tables, in the order of AGGREGATE (aggregateSql's tags). */
  private tables(): Table<unknown>[] {
    return [
      this.pis,
      this.eis,
      this.vars,
      this.jobs,
      this.timers,
      this.subs,
      this.incidents,
    ] as Table<unknown>[];
  }

  /** Marks a freshly created instance as loaded (it has no rows in the database yet). */
  created(pi: PiRow) {
    this.loaded.add(pi.key);
    this.pis.insert(pi);
  }

  /** Writes the changes through `db` (the command's gathered writes, see store/writes.ts). */
  async flush(db: Db = this.db) {
    for (const t of this.tables()) await t.flush(db);
  }
}

export const tableSpecs = { JOB, SUB, TIMER };

/** An instance's tables in aggregateSql's order (the tag of each row); the first is keyed by `key`. */
const AGGREGATE = [PI, EI, VAR, JOB, TIMER, SUB, INCIDENT] as TableSpec<unknown>[];
const aggregateTexts = new Map<string, string>();

/**
 * One PostgreSQL query for a whole instance (`piKey` is `?` or a subquery giving it): per row its
 * table's tag `t` and the row as a JSON object `r`. Seven statements are seven round trips there, the
 * biggest part of a command's cost; on SQLite they are in-process calls and stay separate.
 */
function aggregateSql(piKey: string): string {
  let text = aggregateTexts.get(piKey);
  if (!text) {
    text = AGGREGATE.map((spec, t) => {
      const fields = spec.columns.map((c) => `'${c}', ${c}`).join(', ');
      return `SELECT ${t} AS t, json_build_object(${fields}) AS r FROM ${spec.table} WHERE ${t === 0 ? 'key' : 'pi_key'} = ${piKey}`;
    }).join(' UNION ALL ');
    aggregateTexts.set(piKey, text);
  }
  return text;
}
