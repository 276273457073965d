// Each legacy source's coordinate system (ADAPTER_COORDINATE_SYSTEMS, issue 19): the 12319 hotline
// simulator runs on a GCJ-02 map (Amap) or a BD-09 one (Baidu) and pushes its tickets over signed HTTP;
// the hub, told so in its configuration, stores the case at the WGS84 place the ticket means and keeps
// the position as sent on the `reported` event. A source not named is stored as sent; a bad setting
// stops the configuration naming it.
import test from 'ava';
import { createHotlineSimulator } from '../adapters/hotline/simulator/index.ts';
import { loadConfig } from '../src/config.ts';
import { distanceM } from '../src/geography/gazetteer.ts';
import { toWgs84, type CoordinateSystem } from '../src/geography/index.ts';
import { startTestApi } from './helpers/api.ts';

const SECRET = 'test-hotline-webhook-secret-coordinates-0123';

/** A hub over a fresh database and a hotline simulator on `map`; one pushed ticket → its case row. */
async function ticketThrough(t: import('ava').ExecutionContext, map: CoordinateSystem, setting: string) {
  const hub = await startTestApi({
    env: { SIMULATORS: 'false', HOTLINE_WEBHOOK_SECRET: SECRET, ADAPTER_COORDINATE_SYSTEMS: setting },
  });
  t.teardown(() => hub.close());
  await hub.db.prisma.category.create({
    data: { kind: 'event', code: '0402', majorCode: '04', majorName: '突发事件', name: '自来水管破裂' },
  });
  const sim = createHotlineSimulator({ webhookSecret: SECRET, apiKey: 'unused', coordinateSystem: map });
  await sim.start();
  t.teardown(() => sim.stop());
  sim.hubUrl = hub.base;
  const { ticket, pushed } = await sim.createTicket();
  t.is(pushed, 200);
  const row = await hub.db.prisma.case.findFirstOrThrow({
    where: { source: 'hotline', sourceRef: ticket.ticketNo },
    include: { events: { where: { type: 'reported' } } },
  });
  const sent: [number, number] = [ticket.location.lng!, ticket.location.lat!];
  return { row, sent, reported: row.events[0]!.data as Record<string, unknown> };
}

for (const map of ['gcj02', 'bd09'] as const) {
  test(`a hotline on a ${map} map: the case lies at the WGS84 place, the sent position is on the timeline`, async (t) => {
    const { row, sent, reported } = await ticketThrough(t, map, `hotline=${map}`);
    const place = toWgs84(sent, map);
    // The simulator's places are 海阳路 positions in WGS84; the offset of Chinese web maps is hundreds of metres.
    t.true(distanceM(sent, place) > 300, `${map} differs from WGS84 by ${distanceM(sent, place)} m`);
    t.true(distanceM([row.lng!, row.lat!], place) < 0.5, `${row.lng}, ${row.lat} vs ${place.join(', ')}`);
    t.deepEqual(reported.sentPosition, { crs: map, lng: sent[0], lat: sent[1] });
  });
}

test('a source the setting does not name is stored as it sends (WGS84)', async (t) => {
  const { row, sent, reported } = await ticketThrough(t, 'wgs84', 'sanitation=bd09');
  t.deepEqual([row.lng, row.lat], sent);
  t.is(reported.sentPosition, undefined);
});

test('ADAPTER_COORDINATE_SYSTEMS names only known sources and systems', (t) => {
  t.deepEqual(
    loadConfig({ ADAPTER_COORDINATE_SYSTEMS: ' hotline=gcj02, video=bd09 ' }).ADAPTER_COORDINATE_SYSTEMS,
    {
      hotline: 'gcj02',
      video: 'bd09',
    },
  );
  t.throws(() => loadConfig({ ADAPTER_COORDINATE_SYSTEMS: 'open311=gcj02' }), {
    message: /unknown legacy source "open311"/,
  });
  t.throws(() => loadConfig({ ADAPTER_COORDINATE_SYSTEMS: 'hotline=mars' }), {
    message: /"hotline=mars": expected hotline=wgs84\|cgcs2000\|gcj02\|bd09/,
  });
});
