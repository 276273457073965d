/**
 * 部件 at city scale (issue 12): the 3,500 demo grid cells and the component types of the demo data, then
 * 100,000 components loaded through the survey import (部件普查: every row checked, one transaction), then
 * the map's components layer (GET /api/map/components over HTTP, JSON and all) for viewports of the
 * admin map at 1440×900: the box it asks for at zoom 15 and at zoom 14 (the layer's first zoom; the view
 * grown by half its size on each side, as src/lib/map does), and a re-survey of 1,000 of them. Prints the
 * load time, p50/p95/max per viewport request and the load average.
 *
 *   npx tsx bench/components.ts [requests=100]               (SQLite in a temp file)
 *   HUB_TEST_DB=postgres npx tsx bench/components.ts          (PostgreSQL on 127.0.0.1:5432)
 */
import { cellPolygon } from '../src/app/seed.ts';
import { insertRows } from '../src/db/bulk.ts';
import { CATEGORIES, COUNTY_CODE } from '../src/db/demo-data.ts';
import { demoCells } from '../src/db/demo-geography.ts';
import { createGeoImporter } from '../src/geography/import/index.ts';
import { createUser, startTestApi } from '../test/helpers/api.ts';
import { loadAverage, measureMapLayer } from './map-layer-requests.ts';

const REQUESTS = Number(process.argv[2] ?? 100);
const COMPONENTS = 100_000;

const api = await startTestApi({ env: { LOG_LEVEL: 'warn' } });
try {
  const { prisma } = api.db;
  const provider = api.db.provider;
  const cells = demoCells();
  await insertRows(
    prisma,
    provider,
    'GridCell',
    cells.map((c) => ({ ...c, geometry: cellPolygon(c), active: true })),
  );
  const types = CATEGORIES.filter((c) => c.kind === 'component');
  await prisma.category.createMany({
    data: types.map((c) => ({
      kind: 'component' as const,
      code: c.code,
      majorCode: c.code.slice(0, 2),
      majorName: c.majorName,
      name: c.name,
    })),
  });
  const rows = Array.from({ length: COMPONENTS }, (_, i) => {
    const c = cells[(i * 7919) % cells.length]!;
    const f = ((i * 37) % 100) / 100;
    const type = types[i % types.length]!;
    const lng = c.minLng + (c.maxLng - c.minLng) * (0.1 + 0.8 * f);
    const lat = c.minLat + (c.maxLat - c.minLat) * (0.9 - 0.8 * f);
    return `${COUNTY_CODE}${type.code}${String(i + 1).padStart(6, '0')},${type.name},完好,2026-11-01,${lng.toFixed(7)},${lat.toFixed(7)}`;
  });
  const csv = (lines: string[]) => ['code,name,status,surveyedAt,lng,lat', ...lines].join('\n');
  const importer = createGeoImporter({ prisma, extent: api.config.GEO_EXTENT });
  let t0 = performance.now();
  const first = await importer.run({ target: 'components', format: 'csv', crs: 'wgs84', content: csv(rows) });
  if (!first.stored) throw new Error(`survey refused: ${JSON.stringify(first.rejected.slice(0, 3))}`);
  console.log(
    `${provider}: ${cells.length} cells, ${first.added} components surveyed in ${((performance.now() - t0) / 1000).toFixed(1)} s (${loadAverage()})`,
  );

  // A re-survey of 1,000 of them: every tenth is 破损 now.
  const again = rows.slice(0, 1000).map((r, i) => (i % 10 === 0 ? r.replace(',完好,', ',破损,') : r));
  t0 = performance.now();
  const second = await importer.run({
    target: 'components',
    format: 'csv',
    crs: 'wgs84',
    content: csv(again),
  });
  console.log(
    `re-survey of 1,000: ${second.changes?.length} changed, ${second.unchanged} unchanged in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  await createUser(api.db, { username: 'viewer', roles: ['dispatcher'] });
  const token = (
    await api.auth.issueSession((await prisma.user.findUniqueOrThrow({ where: { username: 'viewer' } })).id)
  ).token;
  await measureMapLayer({
    base: api.base,
    token,
    path: '/api/map/components',
    cells,
    zooms: [15, 14],
    requests: REQUESTS,
  });
} finally {
  await api.close();
}
