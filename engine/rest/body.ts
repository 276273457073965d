/**
 * Checks of v2 request bodies shared by the command routes (jobs, commands): each failure is a 400
 * problem naming the property, as Camunda's REST API answers. null means absent, as in Camunda.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalid } from '../query/search.ts';

export type Json = Record<string, unknown>;
export type Handler = (match: string[], req: IncomingMessage, res: ServerResponse) => Promise<void>;
export type Route = [method: string, pattern: RegExp, handler: Handler];

/** What index.ts lends the route files: body readers and the answer writer. */
export interface RestIo {
  readJson(req: IncomingMessage, maxBytes?: number): Promise<unknown>;
  readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer>;
  /** `type` defaults to application/json. */
  send(res: ServerResponse, status: number, body?: unknown, type?: string): void;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body as an object with only the known properties (null ones dropped), or 400. */
export function objectOf(body: unknown, known: string[], what: string): Json {
  if (!isObject(body)) throw invalid(`${what} must be a JSON object`);
  const out: Json = {};
  for (const [k, v] of Object.entries(body)) {
    if (!known.includes(k))
      throw invalid(`${k} is not a known property of ${what}; known: ${known.join(', ')}`);
    if (v !== null) out[k] = v;
  }
  return out;
}

export function str(body: Json, name: string, required: true): string;
export function str(body: Json, name: string, required?: false): string | undefined;
export function str(body: Json, name: string, required = false): string | undefined {
  const v = body[name];
  if (v === undefined) {
    if (required) throw invalid(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`${name} must be a string, but was ${JSON.stringify(v)}`);
  if (required && v === '') throw invalid(`${name} must not be empty`);
  return v;
}

export function int(body: Json, name: string, required: true, min?: number): number;
export function int(body: Json, name: string, required?: false, min?: number): number | undefined;
export function int(body: Json, name: string, required = false, min?: number): number | undefined {
  const v = body[name];
  if (v === undefined) {
    if (required) throw invalid(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw invalid(`${name} must be an integer, but was ${JSON.stringify(v)}`);
  if (min !== undefined && v < min) throw invalid(`${name} must be at least ${min}, but was ${v}`);
  return v;
}

export function bool(body: Json, name: string): boolean | undefined {
  const v = body[name];
  if (v !== undefined && typeof v !== 'boolean')
    throw invalid(`${name} must be true or false, but was ${JSON.stringify(v)}`);
  return v as boolean | undefined;
}

/** A JSON object of variables (absent → undefined). */
export function variables(body: Json, name = 'variables'): Json | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (!isObject(v)) throw invalid(`${name} must be a JSON object`);
  return v;
}

export function strings(body: Json, name: string): string[] | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
    throw invalid(`${name} must be an array of strings`);
  return v as string[];
}

/** A key in a path: a string of digits (Camunda's keys are int64 sent as strings). */
export function pathKey(value: string, name: string): string {
  if (!/^\d{1,19}$/.test(value))
    throw invalid(`${name} must be a key (a string of digits), but was '${value}'`);
  return value;
}

/** Properties Camunda accepts that change nothing on one node: refused when set, so none is silently ignored. */
export function refuseSet(body: Json, names: string[], what: string) {
  for (const name of names) {
    const v = body[name];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    throw invalid(`${name} is not supported by this engine's ${what}`);
  }
}
