/**
 * Job streams under a backlog: jobs that exist are pushed ahead of the commands queued behind them, so a
 * stream's worker is not kept waiting while hundreds of due timers are still firing.
 */
import test from 'ava';
import { bpmn, chain, deploy, end, eventually, flow, serviceTask, start, useTestEngine } from './support.ts';

const T0 = Date.parse('2026-07-01T00:00:00Z');
const te = useTestEngine(test, { setup: ({ engine }) => void engine.clock.pin(T0) });

test('the jobs of due timers reach a job stream while a backlog of timers is still firing', async (t) => {
  const { engine } = te;
  // timer → a job for the stream, and in parallel one no stream takes: onJobsAvailable fires for the
  // latter once per commit that created such jobs, so it counts the commits of the timers' backlog
  await deploy(
    engine,
    bpmn(
      'backlog',
      [
        start(),
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
        '<bpmn:parallelGateway id="split" />',
        serviceTask('pushed', 'backlog-pushed'),
        serviceTask('polled', 'backlog-polled'),
        end('end1'),
        end('end2'),
        chain('start', 'wait', 'split', 'pushed', 'end1'),
        chain('polled', 'end2'),
        flow('split', 'polled'),
      ].join('\n'),
    ),
  );
  const count = 400; // all due at once: several batches of commands
  for (let i = 0; i < count; i += 50)
    await Promise.all(
      Array.from({ length: 50 }, () =>
        engine.createProcessInstance({ bpmnProcessId: 'backlog', version: -1 }),
      ),
    );
  let commits = 0;
  const off = engine.onJobsAvailable('backlog-polled', () => commits++);
  let commitsAtFirstPush: number | undefined;
  let received = 0;
  const close = engine.openJobStream({ type: 'backlog-pushed', worker: 'streamer', timeout: 60_000 }, () => {
    commitsAtFirstPush ??= commits;
    received++;
    return true;
  });
  t.teardown(() => {
    off();
    close();
  });
  engine.clock.add(3_600_000);
  await eventually(async () => received === count, 30_000);
  t.true(commits > 1, `the backlog took ${commits} commits`);
  t.true(
    commitsAtFirstPush! < commits,
    `the first job reached the stream after ${commitsAtFirstPush} of the backlog's ${commits} commits`,
  );
});
