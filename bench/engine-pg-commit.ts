/**
 * Why activation latency is seconds on PostgreSQL (bench:engine figure 3): the cost of ONE engine
 * command when commands arrive one at a time (paced, as in figure 3, so group commit has nothing to
 * group), on a fresh database, in-process (no gRPC), with PostgreSQL's default synchronous_commit=on
 * and then off for the engine's session. Prints per-command milliseconds and the commands/s one writer
 * can sustain at that pace.
 *
 *   npx tsx bench/engine-pg-commit.ts [instances=300]
 */
import { createEngine } from '../engine/index.ts';
import { createTestDatabase } from '../test/helpers/engine.ts';
import { bpmn, chain, end, serviceTask, start } from '../test/engine/support.ts';

const n = Number(process.argv[2] ?? 300);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * (p / 100))]!;
const round = (x: number) => Math.round(x * 100) / 100;

async function run(label: string, syncOff: boolean) {
  const database = await createTestDatabase('hub_b_pgcommit');
  const engine = await createEngine({ databaseUrl: database.url });
  try {
    await engine.start();
    if (syncOff) await engine.readState((db) => db.run('SET synchronous_commit = off'));
    await engine.deployResource({
      resources: [
        {
          name: 'p.bpmn',
          content: bpmn('p', start() + serviceTask('t', 'pg-commit') + end() + chain('start', 't', 'end')),
        },
      ],
    });
    const create: number[] = [];
    const complete: number[] = [];
    const activate: number[] = [];
    for (let i = 0; i < n; i++) {
      let t0 = performance.now();
      await engine.createProcessInstance({ bpmnProcessId: 'p', version: -1, variables: { i } });
      create.push(performance.now() - t0);
      t0 = performance.now();
      const { jobs } = await engine.activateJobs({
        type: 'pg-commit',
        worker: 'b',
        timeout: 60_000,
        maxJobsToActivate: 1,
      });
      activate.push(performance.now() - t0);
      t0 = performance.now();
      await engine.completeJob({ jobKey: jobs[0]!.key, variables: {} });
      complete.push(performance.now() - t0);
    }
    const perInstance = create.map((c, i) => c + activate[i]! + complete[i]!);
    const mean = perInstance.reduce((a, b) => a + b, 0) / n;
    console.log(
      JSON.stringify({
        db: database.provider,
        label,
        instances: n,
        createP50Ms: round(pct(create, 50)),
        activateP50Ms: round(pct(activate, 50)),
        completeP50Ms: round(pct(complete, 50)),
        msPerInstanceMean: round(mean),
        instancesPerSecOneAtATime: Math.round(1000 / mean),
      }),
    );
  } finally {
    await engine.close();
    await database.drop();
  }
}

await run('synchronous_commit=on (default)', false);
if (process.env.HUB_TEST_DB === 'postgres') await run('synchronous_commit=off (session)', true);
