/**
 * Execution listeners (`zeebe:executionListeners`, Camunda 8.6+): jobs the engine creates before an
 * element's own behaviour (start) and before it completes (end). This reads them from an element and
 * checks them the way a deployment does; the runtime side is engine/runtime/listeners.ts.
 */
import type { ElementKind, EventDefinition, Expr } from './types.ts';

const expr = (v: string): Expr => (v.startsWith('=') ? { feel: v.slice(1) } : { static: v });

export type ListenerEvent = 'start' | 'end';

export interface ExecutionListener {
  eventType: ListenerEvent;
  /** Job type and retries, static or FEEL (evaluated when the listener's job is created). */
  type: Expr;
  retries: Expr;
  headers: Record<string, string>;
}

/** An element's listeners by event, each list in declaration order (they run one after another). */
export interface ExecutionListeners {
  start: ExecutionListener[];
  end: ExecutionListener[];
}

interface El {
  $type: string;
  [key: string]: unknown;
}

type Problem = (message: string) => void;
type CheckFeel = (text: string, what: string) => void;

const GATEWAYS = new Set<ElementKind>([
  'EXCLUSIVE_GATEWAY',
  'INCLUSIVE_GATEWAY',
  'PARALLEL_GATEWAY',
  'EVENT_BASED_GATEWAY',
]);

/**
 * Which listener events an element cannot have: gateways end at once and have no end listeners, a
 * boundary event is already triggered when it is activated (no start listeners). Error end events never
 * complete (the error terminates them) and this engine leaves a terminate end event without completing
 * it, so their end listeners could never run: refused rather than silently skipped.
 */
function unsupported(kind: ElementKind, event: EventDefinition | undefined, type: ListenerEvent) {
  if (type === 'end' && GATEWAYS.has(kind)) return 'gateways';
  if (type === 'start' && kind === 'BOUNDARY_EVENT') return 'boundary events';
  if (type === 'end' && kind === 'END_EVENT' && event?.kind === 'error') return 'error end events';
  if (type === 'end' && kind === 'END_EVENT' && event?.kind === 'terminate') return 'terminate end events';
  return undefined;
}

/** Reads `zeebe:executionListeners` of an element (undefined when it has none). */
export function readExecutionListeners(
  container: El | undefined,
  kind: ElementKind,
  event: EventDefinition | undefined,
  problem: Problem,
  checkFeel: CheckFeel,
): ExecutionListeners | undefined {
  const items = (container?.listeners as El[] | undefined) ?? [];
  if (!items.length) return undefined;
  const result: ExecutionListeners = { start: [], end: [] };
  const seen = new Map<string, number>();
  for (const l of items) {
    const eventType = String(l.eventType ?? '');
    const type = String(l.type ?? '').trim();
    if (eventType !== 'start' && eventType !== 'end') {
      problem(
        `Attribute 'eventType' of an execution listener must be 'start' or 'end', but was '${eventType}'`,
      );
      continue;
    }
    if (!type) {
      problem(`Attribute 'type' of an execution listener must be present and not empty`);
      continue;
    }
    const where = unsupported(kind, event, eventType);
    if (where) problem(`Execution listeners of type '${eventType}' are not supported by ${where}`);
    const retries = String(l.retries ?? '').trim() || '3';
    const headers: Record<string, string> = {};
    for (const h of ((l.headers as El | undefined)?.values as El[] | undefined) ?? [])
      headers[String(h.key)] = String(h.value ?? '');
    const listener: ExecutionListener = { eventType, type: expr(type), retries: expr(retries), headers };
    if ('feel' in listener.type) checkFeel(listener.type.feel, 'execution listener type');
    if ('feel' in listener.retries) checkFeel(listener.retries.feel, 'execution listener retries');
    else if (!/^\d+$/.test(retries))
      problem(
        `Attribute 'retries' of an execution listener must be a number or an expression, but was '${retries}'`,
      );
    result[eventType].push(listener);
    const key = `${eventType}\u0000${type}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  // Zeebe's rule: one listener per event type and job type on an element
  for (const [key, count] of seen)
    if (count > 1) {
      const [eventType, type] = key.split('\u0000');
      problem(
        `Found '${count}' duplicates based on eventType[${eventType}] and type[${type}], these combinations should be unique.`,
      );
    }
  return result.start.length || result.end.length ? result : undefined;
}
