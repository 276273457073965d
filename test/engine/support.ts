/**
 * Test support for the engine: one engine database per test file (SQLite temp file or a fresh
 * PostgreSQL database, per HUB_TEST_DB), and a terse BPMN writer for test processes.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestFn } from 'ava';
import pg from 'pg';
import { createEngine, type Engine, type EngineEvent } from '../../engine/index.ts';

export interface TestEngine {
  engine: Engine;
  /** The engine's database (file:… or postgres://…). */
  readonly databaseUrl: string;
  /** Closes the engine and opens a new one on the same database (a restart). */
  restart(): Promise<Engine>;
  close(): Promise<void>;
}

/**
 * Starts an engine on its own database; `close` stops it and drops the database. `postgres`: on
 * PostgreSQL whatever HUB_TEST_DB says (for what only PostgreSQL has, such as a server ending the
 * engine's connection).
 */
export async function startTestEngine(
  options: { clockControl?: boolean; postgres?: boolean } = {},
): Promise<TestEngine> {
  const id = randomBytes(6).toString('hex');
  const clockControl = options.clockControl ?? true;
  if (options.postgres || process.env.HUB_TEST_DB === 'postgres') {
    const base = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const name = `hub_t_engine_${id}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    return managed(url.toString(), clockControl, async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    });
  }
  const file = join(tmpdir(), `hub-engine-${id}.db`);
  return managed(`file:${file}`, clockControl, async () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  });
}

/**
 * One engine for a whole test file: started before its tests, closed (and its database dropped) after.
 * The returned object always points at the current engine, also after `restart()`.
 */
export function useTestEngine(
  test: TestFn,
  options: { clockControl?: boolean; setup?: (te: TestEngine) => void | Promise<void> } = {},
): TestEngine {
  let te: TestEngine | undefined;
  // ava runs a file's before hooks concurrently, so set-up that needs the engine goes in `setup`.
  test.before(async () => {
    te = await startTestEngine(options);
    await options.setup?.(te);
  });
  test.after.always(async () => {
    await te?.close();
  });
  const started = () => {
    if (!te) throw new Error('the test engine starts in test.before');
    return te;
  };
  return {
    get engine() {
      return started().engine;
    },
    get databaseUrl() {
      return started().databaseUrl;
    },
    restart: () => started().restart(),
    close: () => started().close(),
  };
}

async function managed(
  databaseUrl: string,
  clockControl: boolean,
  drop: () => Promise<void>,
): Promise<TestEngine> {
  const open = async () => {
    const e = await createEngine({ databaseUrl, clockControl });
    await e.start();
    return e;
  };
  const te: TestEngine = {
    engine: await open(),
    databaseUrl,
    async restart() {
      await te.engine.close();
      te.engine = await open();
      return te.engine;
    },
    async close() {
      await te.engine.close();
      await drop();
    },
  };
  return te;
}

/** Wraps flow elements into a deployable BPMN document with one executable process. */
export function bpmn(processId: string, body: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs_${processId}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="${processId}" isExecutable="true">
${body}
  </bpmn:process>
${extra}
</bpmn:definitions>`;
}

/** Sequence flows for a chain of element ids: flow('a','b','c') → a→b, b→c. */
export function chain(...ids: string[]): string {
  return ids
    .slice(1)
    .map((to, i) => `<bpmn:sequenceFlow id="f_${ids[i]}_${to}" sourceRef="${ids[i]}" targetRef="${to}" />`)
    .join('\n');
}

export function flow(from: string, to: string, condition?: string, id = `f_${from}_${to}`): string {
  return condition === undefined
    ? `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}" />`
    : `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"><bpmn:conditionExpression>${escapeXml(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>`;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A service task with a job type and optional retries / headers / io mappings (zeebe extension XML). */
export function serviceTask(
  id: string,
  type: string,
  opts: { retries?: string; ext?: string; attrs?: string; inner?: string } = {},
): string {
  const retries = opts.retries ? ` retries="${escapeXml(opts.retries)}"` : '';
  return `<bpmn:serviceTask id="${id}"${opts.attrs ?? ''}><bpmn:extensionElements><zeebe:taskDefinition type="${escapeXml(type)}"${retries} />${opts.ext ?? ''}</bpmn:extensionElements>${opts.inner ?? ''}</bpmn:serviceTask>`;
}

export const start = (id = 'start') => `<bpmn:startEvent id="${id}" />`;
export const end = (id = 'end') => `<bpmn:endEvent id="${id}" />`;

/** Deploys one BPMN document and returns the process definition key. */
export async function deploy(engine: Engine, xml: string, name = 'test.bpmn'): Promise<string> {
  const res = await engine.deployResource({ resources: [{ name, content: xml }] });
  return res.deployments[0]!.process.processDefinitionKey;
}

/** Activates jobs of a type (no waiting). */
export async function activate(engine: Engine, type: string, max = 10, fetchVariable?: string[]) {
  return (
    await engine.activateJobs({
      type,
      worker: 'test',
      timeout: 60_000,
      maxJobsToActivate: max,
      fetchVariable,
    })
  ).jobs;
}

/** The feed of one process instance, as "ELEMENT_ID:INTENT" strings (optionally only some intents). */
export async function feedOf(
  engine: Engine,
  processInstanceKey: string,
  intents?: string[],
): Promise<string[]> {
  const out: string[] = [];
  let after = '0';
  for (;;) {
    const page: EngineEvent[] = await engine.readEvents(after, 1000);
    if (!page.length) break;
    for (const e of page)
      if (e.processInstanceKey === processInstanceKey && (!intents || intents.includes(e.intent)))
        out.push(`${e.elementId}:${e.intent}`);
    after = page[page.length - 1]!.position;
  }
  return out;
}

/** Waits until `check` returns a value (polling, for effects of the scheduler). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Incidents raised in an instance, read page by page from the event feed, oldest first. */
export async function incidentsOf(engine: Engine, pik: string) {
  const out: { key: string; errorType: string; errorMessage: string; elementId: string }[] = [];
  for (let after = '0'; ;) {
    const page = await engine.readEvents(after, 1000);
    if (!page.length) return out;
    for (const e of page)
      if (e.processInstanceKey === pik && e.intent === 'INCIDENT_CREATED')
        out.push({
          key: String(e.payload.incidentKey),
          errorType: String(e.payload.errorType),
          errorMessage: String(e.payload.errorMessage),
          elementId: e.elementId,
        });
    after = page[page.length - 1]!.position;
  }
}
