/**
 * 地下管网 at city scale (issue 12): the 3,500 demo grid cells, the six utility owners, then 20,000
 * pipeline segments (50–120 m lines between two wells, every kind) loaded through the import (CSV, every
 * row checked, one transaction), a re-import of 2,000 of them (updated by 管线编号), and the map's
 * 地下管网 layer (GET /api/map/pipelines over HTTP, JSON and all) for viewports of the admin map at
 * 1440×900: the box it asks for at zoom 15 and at zoom 13 (the layer's first zoom; the view grown by half
 * its size on each side, as src/lib/map does). Prints the load time, p50/p95/max per viewport request
 * and the load average.
 *
 *   npx tsx bench/pipelines.ts [requests=100]               (SQLite in a temp file)
 *   HUB_TEST_DB=postgres npx tsx bench/pipelines.ts          (PostgreSQL on 127.0.0.1:5432)
 */
import { cellPolygon } from '../src/app/seed.ts';
import { insertRows } from '../src/db/bulk.ts';
import { demoCells } from '../src/db/demo-geography.ts';
import { importRows } from '../src/geography/import/index.ts';
import { importPipelines } from '../src/pipelines/import.ts';
import { PIPELINE_KIND_LABELS, PIPELINE_KINDS } from '../src/pipelines/pipeline.ts';
import { createUser, startTestApi } from '../test/helpers/api.ts';
import { loadAverage, measureMapLayer } from './map-layer-requests.ts';

const REQUESTS = Number(process.argv[2] ?? 100);
const SEGMENTS = 20_000;
const OWNERS = ['U-WATER', 'U-DRAIN', 'U-GAS', 'U-POWER', 'U-TEL', 'U-HEAT'];

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

const api = await startTestApi({ env: { LOG_LEVEL: 'warn' } });
try {
  const { prisma, provider } = api.db;
  const cells = demoCells();
  await insertRows(
    prisma,
    provider,
    'GridCell',
    cells.map((c) => ({ ...c, geometry: cellPolygon(c), active: true })),
  );
  await prisma.department.createMany({
    data: OWNERS.map((code, i) => ({ code, name: `管线单位${i + 1}`, kind: 'utility' as const })),
  });
  const rows = Array.from({ length: SEGMENTS }, (_, i) => {
    const c = cells[(i * 7919) % cells.length]!;
    const f = ((i * 37) % 100) / 100;
    const kind = i % PIPELINE_KINDS.length;
    const lng = c.minLng + (c.maxLng - c.minLng) * (0.1 + 0.6 * f);
    const lat = c.minLat + (c.maxLat - c.minLat) * (0.9 - 0.6 * f);
    // 50–120 m east (and a little north): 0.00001° of longitude ≈ 0.94 m here
    const len = (50 + (i % 71)) / 0.94 / 1e5;
    const geometry = JSON.stringify({
      type: 'LineString',
      coordinates: [
        [+lng.toFixed(7), +lat.toFixed(7)],
        [+(lng + len).toFixed(7), +(lat + len / 5).toFixed(7)],
      ],
    });
    return [
      `GX-${String(i + 1).padStart(6, '0')}`,
      PIPELINE_KIND_LABELS[PIPELINE_KINDS[kind]!],
      OWNERS[kind],
      (0.8 + (i % 30) / 10).toFixed(1),
      '球墨铸铁',
      String(100 + (i % 10) * 50),
      String(1990 + (i % 35)),
      `"${geometry.replaceAll('"', '""')}"`,
    ].join(',');
  });
  const csv = (lines: string[]) =>
    ['code,kind,owner,depthM,material,diameterMm,year,geometry', ...lines].join('\n');
  const deps = { prisma, extent: api.config.GEO_EXTENT };
  let t0 = performance.now();
  const first = await importRows(deps, importPipelines, { format: 'csv', crs: 'wgs84', content: csv(rows) });
  if (!first.stored) throw new Error(`import refused: ${JSON.stringify(first.rejected.slice(0, 3))}`);
  console.log(
    `${provider}: ${cells.length} cells, ${first.added} segments imported in ${seconds(t0)} s (${loadAverage()})`,
  );

  // A re-import of 2,000 of them: their material is PE now.
  const again = rows.slice(0, 2000).map((r) => r.replace(',球墨铸铁,', ',PE,'));
  t0 = performance.now();
  const second = await importRows(deps, importPipelines, {
    format: 'csv',
    crs: 'wgs84',
    content: csv(again),
  });
  console.log(`re-import of 2,000: ${second.updated} updated in ${seconds(t0)} s (${loadAverage()})`);

  const viewerId = await createUser(api.db, { username: 'viewer', roles: ['dispatcher'] });
  const { token } = await api.auth.issueSession(viewerId);
  await measureMapLayer({
    base: api.base,
    token,
    path: '/api/map/pipelines',
    cells,
    zooms: [15, 13],
    requests: REQUESTS,
  });
} finally {
  await api.close();
}
