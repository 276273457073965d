/**
 * Locate at real scale (issue 19): 3,500 grid cells of ≈100 m (the demo grid) and 100,000 components
 * (部件) in the case store; measures what hub.case.locate does per case — a point → its cell (the
 * in-memory R-tree + exact test of src/geography/grid.ts, including the one aggregate read that checks
 * the cells did not change), and a component → its cell (lookup by id, then its cell by code) — and
 * prints p50/p99/max per lookup.
 *
 *   npx tsx bench/geo-locate.ts [lookups=10000]          (SQLite in a temp file)
 *   HUB_TEST_DB=postgres npx tsx bench/geo-locate.ts       (PostgreSQL on 127.0.0.1:5432)
 */
import { cellPolygon } from '../src/app/seed.ts';
import { insertRows } from '../src/db/bulk.ts';
import { demoCells } from '../src/db/demo-geography.ts';
import { cellAt } from '../src/geography/grid.ts';
import { createTestDb } from '../test/helpers/db.ts';

const LOOKUPS = Number(process.argv[2] ?? 10_000);
const COMPONENTS = 100_000;

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const report = (what: string, xs: number[]) => {
  xs.sort((a, b) => a - b);
  console.log(
    `${what}: ${xs.length} lookups, p50 ${pct(xs, 0.5).toFixed(3)} ms, p99 ${pct(xs, 0.99).toFixed(3)} ms, max ${xs.at(-1)!.toFixed(3)} ms`,
  );
};

const tdb = await createTestDb();
try {
  const { prisma } = tdb.db;
  const cells = demoCells();
  let t0 = performance.now();
  await insertRows(
    prisma,
    tdb.provider,
    'GridCell',
    cells.map((c) => ({ ...c, geometry: cellPolygon(c), active: true })),
  );
  const components = Array.from({ length: COMPONENTS }, (_, i) => {
    const c = cells[(i * 7919) % cells.length]!;
    const f = ((i * 37) % 100) / 100;
    return {
      code: `320682${String(101 + (i % 15)).padStart(4, '0')}${String(i).padStart(6, '0')}`,
      categoryCode: String(101 + (i % 15)).padStart(4, '0'),
      name: '部件',
      lng: c.minLng + (c.maxLng - c.minLng) * (0.1 + 0.8 * f),
      lat: c.minLat + (c.maxLat - c.minLat) * (0.9 - 0.8 * f),
      gridCode: c.code,
      status: 'normal',
    };
  });
  const rows = await insertRows(prisma, tdb.provider, 'Component', components);
  console.log(
    `${tdb.provider}: ${cells.length} cells, ${rows.length} components loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  t0 = performance.now();
  await cellAt(prisma, 120.57, 32.38);
  console.log(`first lookup (builds the index): ${(performance.now() - t0).toFixed(1)} ms`);

  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < LOOKUPS; i++) {
    const lng = 120.545 + Math.random() * 0.113;
    const lat = 32.335 + Math.random() * 0.066;
    const s = performance.now();
    if (await cellAt(prisma, lng, lat)) found++;
    times.push(performance.now() - s);
  }
  report(`point → cell (${found} inside a cell)`, times);

  const byComponent: number[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const id = rows[Math.floor(Math.random() * rows.length)]!.id;
    const s = performance.now();
    const component = await prisma.component.findUniqueOrThrow({ where: { id } });
    await prisma.gridCell.findFirst({ where: { code: component.gridCode!, active: true } });
    byComponent.push(performance.now() - s);
  }
  report('component → cell', byComponent);
} finally {
  await tdb.drop();
}
