/**
 * The crash guard (issue 18, high finding 1): a due timer whose command kills the engine process is not
 * applied again for ever at every start. A real child process, given FEEL limits high enough to let
 * `count(for i in 1..100000000 return i)` run and a 160 MB heap, dies of out-of-memory applying the
 * timer; started again it dies again (that command now alone in its batch); at the third start the
 * command is quarantined: the instance has an incident naming the setting and the engine stays up.
 * Database per HUB_TEST_DB.
 */
import test from 'ava';
import { setTimeout as delay } from 'node:timers/promises';
import { startTestEngine } from './helpers/engine.ts';
import { bpmn, chain, end } from './engine/support.ts';

const poison = (dueAt: Date) =>
  bpmn(
    'poison',
    [
      // Due shortly after the deployment (whose answer must reach the client first).
      `<bpmn:startEvent id="once"><bpmn:timerEventDefinition><bpmn:timeDate>${dueAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:startEvent>`,
      '<bpmn:scriptTask id="count"><bpmn:extensionElements><zeebe:script expression="=count(for i in 1..100000000 return i)" resultVariable="n" /></bpmn:extensionElements></bpmn:scriptTask>',
      end(),
      chain('once', 'count', 'end'),
    ].join('\n'),
  );

interface Incident {
  errorType: string;
  errorMessage: string;
  elementId: string;
}

test('a timer that kills the engine twice is quarantined as an incident at the next start', async (t) => {
  const te = await startTestEngine({
    childProcess: true,
    env: {
      NODE_OPTIONS: '--max-old-space-size=160',
      // Limits lifted so that the expression really exhausts the process, as before the budget existed.
      ENGINE_FEEL_MAX_STEPS: String(1e10),
      ENGINE_FEEL_MAX_LIST_SIZE: String(1e9),
      ENGINE_FEEL_MAX_TIME_MS: String(600_000),
      LOG_LEVEL: 'info',
    },
    clientConfig: { zeebeGrpcSettings: { ZEEBE_GRPC_CLIENT_MAX_RETRY_TIMEOUT_SECONDS: 1 } },
  });
  t.teardown(() => te.close());
  await te.zbc.deployResource({
    process: Buffer.from(poison(new Date(Date.now() + 3000))),
    name: 'poison.bpmn',
  });

  /** The engine's incidents, or undefined when it does not answer (it died). */
  const incidents = async (): Promise<Incident[] | undefined> => {
    try {
      const res = await fetch(`${te.managementUrl}/v2/incidents/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ filter: { processDefinitionId: 'poison' } }),
        signal: AbortSignal.timeout(20_000),
      });
      return ((await res.json()) as { items: Incident[] }).items;
    } catch {
      return undefined;
    }
  };

  const started = Date.now();
  let deaths = 0;
  let found: Incident[] = [];
  for (let attempt = 0; attempt < 6 && found.length === 0; attempt++) {
    // Alive until it dies or an incident shows up.
    let answer = await incidents();
    const until = Date.now() + 30_000;
    while (answer !== undefined && answer.length === 0 && Date.now() < until) {
      await delay(200);
      answer = await incidents();
    }
    if (answer?.length) {
      found = answer;
      break;
    }
    deaths++;
    t.log(`engine died (${deaths}) after ${Date.now() - started} ms`);
    // Start it again on the same database (it may die again before it reports ready).
    await te.restart().catch(() => {});
  }
  t.is(deaths, 2);
  t.is(found.length, 1);
  t.is(found[0]!.errorType, 'UNKNOWN');
  t.regex(
    found[0]!.errorMessage,
    /^The engine stopped 2 times while applying this command \(timer \d+ due\); it is held here instead of being applied again \(ENGINE_CRASH_QUARANTINE_AFTER=2\)\./,
  );
  // It stays up.
  await delay(1000);
  t.is((await incidents())?.length, 1);
});
