// 音柱喊话: the element template is a valid Zeebe template whose inputs the handler reads, and the
// handler plays the text on the camera's speaker column of the video simulator over HTTP, once per job
// even when the job is retried.
import test from 'ava';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { ANNOUNCE_JOB_TYPE, announceHandler } from '../adapters/video/index.ts';
import { startVideoSimulator } from '../adapters/video/simulator/index.ts';
import { createTestDb } from './helpers/db.ts';
import { insertCase, insertReference, job, workerDeps } from './helpers/workers.ts';

const { validateZeebe } = createRequire(import.meta.url)('@bpmn-io/element-templates-validator') as {
  validateZeebe(template: unknown): { valid: boolean; errors: unknown[] | null };
};
const template = JSON.parse(
  readFileSync(
    new URL('../adapters/video/element-templates/video.speaker.announce.json', import.meta.url),
    'utf8',
  ),
) as { properties: { binding: { type: string; name?: string; property?: string }; value?: string }[] };

test('the element template is valid and offers the job type and the inputs the handler reads', (t) => {
  const { valid, errors } = validateZeebe(template);
  t.deepEqual(errors ?? [], []);
  t.true(valid);
  t.is(template.properties.find((p) => p.binding.property === 'type')?.value, ANNOUNCE_JOB_TYPE);
  t.deepEqual(
    template.properties.filter((p) => p.binding.type === 'zeebe:input').map((p) => p.binding.name),
    ['caseId', 'text', 'repeat'],
  );
});

test('the handler plays the text on the camera’s speaker column once per job; no column → announced false', async (t) => {
  const [db, sim] = await Promise.all([createTestDb(), startVideoSimulator()]);
  t.teardown(async () => {
    await sim.close();
    await db.drop();
  });
  await insertReference(db.db);
  const withSpeaker = await insertCase(db.db, { source: 'video' });
  const without = await insertCase(db.db, { source: 'video' });
  for (const [row, speakerId] of [
    [withSpeaker, 'SPK-01'],
    [without, null],
  ] as const)
    await db.db.prisma.inboxEvent.create({
      data: {
        adapter: 'video',
        sourceId: `a-${row.id}`,
        caseId: row.id,
        status: 'processed',
        payload: { speakerId },
      },
    });
  const handler = announceHandler({ platformUrl: sim.url });
  const deps = workerDeps(db.db);
  const j = job(ANNOUNCE_JOB_TYPE, { caseId: withSpeaker.id, text: '请将店外商品收回店内', repeat: 2 });
  t.deepEqual(await handler(j, deps), { action: 'complete', variables: { announced: true } });
  t.deepEqual(await handler(j, deps), { action: 'complete', variables: { announced: true } });
  t.like(sim.announcements, [
    { speakerId: 'SPK-01', requestId: j.key, text: '请将店外商品收回店内', repeat: 2 },
  ]);
  t.is(sim.announcements.length, 1);
  t.deepEqual(await handler(job(ANNOUNCE_JOB_TYPE, { caseId: without.id }), deps), {
    action: 'complete',
    variables: { announced: false },
  });
  // The platform down: a transient failure with retries − 1, not an incident.
  await sim.http.setDown(true);
  const failed = await handler(job(ANNOUNCE_JOB_TYPE, { caseId: withSpeaker.id }), deps);
  t.like(failed, { action: 'fail', retries: 2 });
  // A 500 is transient too; a refusal (404: the platform has no such column) is an incident naming it.
  await sim.http.setDown(false);
  sim.faults.fail500 = 1;
  const busy = await handler(job(ANNOUNCE_JOB_TYPE, { caseId: withSpeaker.id }), deps);
  t.like(busy, { action: 'fail', retries: 2 });
  const unknown = await insertCase(db.db, { source: 'video' });
  await db.db.prisma.inboxEvent.create({
    data: {
      adapter: 'video',
      sourceId: `a-${unknown.id}`,
      caseId: unknown.id,
      status: 'processed',
      payload: { speakerId: '东门音柱' },
    },
  });
  const refused = await handler(job(ANNOUNCE_JOB_TYPE, { caseId: unknown.id }), deps);
  t.like(refused, { action: 'fail', retries: 0 });
  t.regex((refused as { errorMessage: string }).errorMessage, /HTTP 404/);
  t.is(sim.announcements.length, 1);
});
