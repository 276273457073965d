/**
 * The context of one command: its unit of work, the engine time it runs at, key generation, the event
 * feed rows it writes, the after-commit effects it asks for, and the variable-scope rules Zeebe uses
 * (local variables, visible variables, propagation to the nearest scope that defines a name).
 */
import { DEFAULT_ENGINE_LIMITS, type EngineLimits } from '../api.ts';
import type { Feel } from '../feel/index.ts';
import type { Expr, FlowNode, ProcessModel } from '../model/types.ts';
import type { Models, ProcessRecord } from './models.ts';
import type { DecisionInstanceRow } from './history.ts';
import type { EiRow, IncidentRow, PiRow, UnitOfWork, VarRow } from './state.ts';

/** Generates Zeebe-style keys: the partition id in the bits above 51, a counter below. */
export class KeyGenerator {
  constructor(
    private next: number,
    private readonly partitionId = 1,
  ) {}
  take(): number {
    return this.partitionId * 2 ** 51 + this.next++;
  }
  get counter() {
    return this.next;
  }
}

export interface FeedEvent {
  intent: string;
  key: number;
  piKey: number;
  bpmnProcessId: string;
  elementId: string;
  elementType: string;
  payload: Record<string, unknown>;
  /** The instance the event belongs to (not stored in zb_event; the history tables read it). */
  pi: PiRow;
}

/** What the processor does after the transaction committed. */
export interface Effects {
  /** Job types that may have activatable jobs now. */
  jobTypes: Set<string>;
  /** Process instances that completed: their root variables. */
  completed: Map<number, Record<string, unknown>>;
  /** Process instances that ended otherwise (terminated). */
  terminated: Set<number>;
  /** Earliest timer / deadline / TTL this command wrote (Infinity: none); the scheduler wakes by then. */
  dueAt: number;
}

/** Thrown inside a step when evaluation fails; the caller raises an incident. */
export class IncidentSignal extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

export class Run {
  readonly events: FeedEvent[] = [];
  /** Variables whose scope ended in this command, with their last values (kept as history). */
  readonly endedVariables: VarRow[] = [];
  /** Decisions evaluated in this command (kept as history). */
  readonly decisionInstances: DecisionInstanceRow[] = [];
  readonly effects: Effects = {
    jobTypes: new Set(),
    completed: new Map(),
    terminated: new Set(),
    dueAt: Infinity,
  };

  constructor(
    readonly uow: UnitOfWork,
    readonly now: number,
    readonly feel: Feel,
    readonly models: Models,
    readonly keys: KeyGenerator,
    readonly limits: EngineLimits = DEFAULT_ENGINE_LIMITS,
  ) {}

  /**
   * Set by the processor for a quarantined command (the process died applying it): the first element the
   * command activates raises this incident instead of running (Bpmn.runActivation).
   */
  quarantine: string | undefined;
  /** Elements this command has activated (held to limits.maxActivationsPerCommand). */
  activations = 0;

  /** Tells the scheduler a timer, job deadline or message TTL falls due at `at`. */
  noteDue(at: number) {
    if (at < this.effects.dueAt) this.effects.dueAt = at;
  }

  // --- models ------------------------------------------------------------------------------------

  async processOf(pi: PiRow): Promise<ProcessRecord> {
    return this.models.byKey(this.uow.db, pi.processKey) as Promise<ProcessRecord>;
  }

  /**
   * Creates an activatable job of element instance `ei` (its own job, or one of its execution
   * listeners'); `retries` that did not evaluate to a finite number fall back to Zeebe's default 3.
   */
  async insertJob(
    pi: PiRow,
    ei: EiRow,
    job: { type: string; retries: number; headers: Record<string, string> },
  ): Promise<number> {
    const process = await this.processOf(pi);
    const key = this.keys.take();
    this.uow.jobs.insert({
      key,
      piKey: pi.key,
      elementInstanceKey: ei.key,
      elementId: ei.elementId,
      processKey: pi.processKey,
      bpmnProcessId: pi.bpmnProcessId,
      version: process.version,
      type: job.type,
      state: 'ACTIVATABLE',
      retries: Number.isFinite(job.retries) ? Math.trunc(job.retries) : 3,
      worker: '',
      deadline: null,
      headers: job.headers,
      errorMessage: '',
    });
    return key;
  }

  nodeOf(model: ProcessModel, elementId: string): FlowNode {
    if (elementId === model.bpmnProcessId) return model.root;
    const node = model.nodes.get(elementId);
    if (!node) throw new Error(`element '${elementId}' not found in process '${model.bpmnProcessId}'`);
    return node;
  }

  // --- element instances -------------------------------------------------------------------------

  children(scopeKey: number): EiRow[] {
    const out: EiRow[] = [];
    for (const ei of this.uow.eis.values()) if (ei.flowScopeKey === scopeKey) out.push(ei);
    return out;
  }

  event(intent: string, ei: EiRow, pi: PiRow, payload: Record<string, unknown> = {}) {
    this.events.push({
      intent,
      key: ei.key,
      piKey: pi.key,
      bpmnProcessId: pi.bpmnProcessId,
      elementId: ei.elementId,
      elementType: ei.elementType,
      payload,
      pi,
    });
  }

  // --- variables ---------------------------------------------------------------------------------

  localVariables(scopeKey: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const v of this.uow.vars.values()) if (v.scopeKey === scopeKey) out[v.name] = v.value;
    return out;
  }

  /** All variables visible from a scope: its own, then each enclosing scope's (inner names win). */
  visibleVariables(scopeKey: number): Record<string, unknown> {
    const chain: number[] = [];
    for (let k: number | null = scopeKey; k !== null;) {
      chain.push(k);
      const ei = this.uow.eis.get(k);
      k = ei ? ei.flowScopeKey : null;
    }
    const byScope = new Map<number, Record<string, unknown>>();
    for (const v of this.uow.vars.values()) {
      if (!chain.includes(v.scopeKey)) continue;
      let m = byScope.get(v.scopeKey);
      if (!m) byScope.set(v.scopeKey, (m = {}));
      m[v.name] = v.value;
    }
    const out: Record<string, unknown> = {};
    for (let i = chain.length - 1; i >= 0; i--) Object.assign(out, byScope.get(chain[i]!));
    return out;
  }

  setLocal(scopeKey: number, piKey: number, name: string, value: unknown) {
    const have = this.uow.vars.get(`${scopeKey}\u0000${name}`);
    if (have) {
      have.value = value;
      this.uow.vars.touch(have);
    } else this.uow.vars.insert({ key: this.keys.take(), scopeKey, name, piKey, value });
  }

  /**
   * Zeebe's propagation: each variable is set in the nearest scope (from `scopeKey` upwards) that
   * already defines it, else in the process instance's root scope.
   */
  propagate(scopeKey: number, piKey: number, variables: Record<string, unknown>) {
    for (const [name, value] of Object.entries(variables)) {
      let target = piKey;
      for (let k: number | null = scopeKey; k !== null;) {
        if (this.uow.vars.get(`${k}\u0000${name}`)) {
          target = k;
          break;
        }
        const ei = this.uow.eis.get(k);
        k = ei ? ei.flowScopeKey : null;
      }
      this.setLocal(target, piKey, name, value);
    }
  }

  deleteScopeVariables(scopeKey: number) {
    for (const v of [...this.uow.vars.values()])
      if (v.scopeKey === scopeKey) {
        this.uow.vars.remove(v);
        this.endedVariables.push(v);
      }
  }

  // --- expressions -------------------------------------------------------------------------------

  /** Evaluates FEEL; failures become IncidentSignal(EXTRACT_VALUE_ERROR). */
  evaluate(expression: string, variables: Record<string, unknown>): unknown {
    const r = this.feel.evaluate(expression, variables);
    if (!r.ok) throw new IncidentSignal('EXTRACT_VALUE_ERROR', r.message);
    return r.value;
  }

  /** Evaluates an expression that must produce a value of one type, with Zeebe's message otherwise. */
  evaluateAs(
    e: Expr,
    type: 'STRING' | 'NUMBER' | 'BOOLEAN' | 'ARRAY',
    variables: Record<string, unknown>,
  ): unknown {
    if ('static' in e) return type === 'NUMBER' ? Number(e.static) : e.static;
    const value = this.evaluate(e.feel, variables);
    if (feelType(value) !== type)
      throw new IncidentSignal(
        'EXTRACT_VALUE_ERROR',
        `Expected result of the expression '${e.feel}' to be '${type}', but was '${feelType(value)}'.`,
      );
    return value;
  }

  /** Evaluates an expression to a string, accepting numbers (correlation keys, timer texts). */
  evaluateText(e: Expr, variables: Record<string, unknown>, what: string): string {
    if ('static' in e) return e.static;
    const value = this.evaluate(e.feel, variables);
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    throw new IncidentSignal(
      'EXTRACT_VALUE_ERROR',
      `Failed to extract the ${what} for '${e.feel}': The value must be either a string or a number, but was ${feelType(value)}.`,
    );
  }

  // --- incidents ---------------------------------------------------------------------------------

  raiseIncident(
    pi: PiRow,
    ei: EiRow,
    errorType: string,
    message: string,
    jobKey: number | null = null,
  ): IncidentRow {
    const incident: IncidentRow = {
      key: this.keys.take(),
      piKey: pi.key,
      elementInstanceKey: ei.key,
      elementId: ei.elementId,
      jobKey,
      errorType,
      message,
      createdAt: this.now,
    };
    this.uow.incidents.insert(incident);
    this.event('INCIDENT_CREATED', ei, pi, {
      incidentKey: String(incident.key),
      errorType,
      errorMessage: message,
      jobKey: jobKey === null ? null : String(jobKey),
    });
    return incident;
  }
}

/** FEEL/Zeebe type names used in incident messages. */
export function feelType(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return 'ARRAY';
  if (typeof value === 'object') return 'CONTEXT';
  return typeof value === 'string'
    ? 'STRING'
    : typeof value === 'number'
      ? 'NUMBER'
      : typeof value === 'boolean'
        ? 'BOOLEAN'
        : 'UNKNOWN';
}
