// The hub's clusters of open cases (src/map/clusters.ts), without a server: cases either side of a bucket
// edge make one bubble, not two on top of each other; cases farther apart than a bubble stay apart; a
// city's 10,000 cases are each counted once, with their lights.
import test from 'ava';
import { CELL_PX, clusterCases, type ClusterCase } from '../src/map/clusters.ts';

const LEVEL = 12;
const WORLD_PX = 512 * 2 ** LEVEL;
/** The longitude of a screen pixel column at LEVEL (Web Mercator x is linear in longitude). */
const lngAtPx = (px: number) => (px / WORLD_PX - 0.5) * 360;
/** A bucket edge near Rugao: a multiple of CELL_PX pixels. */
const EDGE_PX = Math.round(((120.57 + 180) / 360) * (WORLD_PX / CELL_PX)) * CELL_PX;
const at = (id: string, px: number, light: ClusterCase['light'] = 'green'): ClusterCase => ({
  id,
  lng: lngAtPx(px),
  lat: 32.38,
  light,
});

test('cases either side of a bucket edge, 10 px apart, are one bubble', (t) => {
  const clusters = clusterCases([at('w', EDGE_PX - 5, 'red'), at('e', EDGE_PX + 5, 'yellow')], LEVEL);
  t.is(clusters.length, 1);
  t.like(clusters[0], { count: 2, red: 1, yellow: 1, green: 0, id: undefined });
  t.true(Math.abs(clusters[0]!.lng - lngAtPx(EDGE_PX)) < 1e-9);
});

test('cases 100 px apart stay two points, each with its id', (t) => {
  const clusters = clusterCases([at('w', EDGE_PX - 50), at('e', EDGE_PX + 50, null)], LEVEL);
  t.deepEqual(
    clusters.map((c) => [c.id, c.count, c.green]),
    [
      ['w', 1, 1],
      ['e', 1, 0],
    ],
  );
});

test('10,000 cases over the city: each counted once, the lights’ counts add up, at every level', (t) => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lights = ['red', 'yellow', 'green', null] as const;
  const cases = Array.from({ length: 10_000 }, (_, i) => ({
    id: `c${i}`,
    lng: 120.5 + rnd() * 0.15,
    lat: 32.33 + rnd() * 0.1,
    light: lights[i % 4]!,
  }));
  for (const level of [8, 10, 11, 12, 13]) {
    const clusters = clusterCases(cases, level);
    const sum = (k: 'count' | 'red' | 'yellow' | 'green') => clusters.reduce((s, c) => s + c[k], 0);
    t.deepEqual([sum('count'), sum('red'), sum('yellow'), sum('green')], [10_000, 2_500, 2_500, 2_500]);
    // Every bubble sits inside its cases' box.
    t.true(
      clusters.every(
        (c) => c.bounds[0] <= c.lng && c.lng <= c.bounds[2] && c.bounds[1] <= c.lat && c.lat <= c.bounds[3],
      ),
    );
  }
  // Finer levels make more, smaller bubbles.
  t.true(clusterCases(cases, 13).length > clusterCases(cases, 11).length);
});
