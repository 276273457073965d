// Coordinate systems at the edges (issue 19): GCJ-02 and BD-09 against published reference points;
// WGS84 and CGCS2000 pass unchanged; a round trip comes back within a metre.
import test from 'ava';
import { distanceM } from '../src/geography/gazetteer.ts';
import { fromWgs84, toWgs84 } from '../src/geography/coords.ts';

test('WGS84 → GCJ-02 matches the published example (天安门 area, 116.404 E 39.915 N)', (t) => {
  // The coordtransform package's documented example: wgs84togcj02(116.404, 39.915).
  const [lng, lat] = fromWgs84([116.404, 39.915], 'gcj02');
  t.is(lng.toFixed(8), '116.41024450');
  t.is(lat.toFixed(8), '39.91640428');
  // and back (the inverse is iterative: within 0.1 m)
  t.true(distanceM(toWgs84([lng, lat], 'gcj02'), [116.404, 39.915]) < 0.1);
});

test('BD-09 → GCJ-02 matches the published pair for Beijing railway station', (t) => {
  // GCJ-02 (39.90245 N, 116.42703 E) ↔ BD-09 (39.90851 N, 116.43351 E), 5 decimals as published.
  const gcjFromBd = fromWgs84(toWgs84([116.43351, 39.90851], 'bd09'), 'gcj02');
  t.true(distanceM(gcjFromBd, [116.42703, 39.90245]) < 2, `${gcjFromBd}`);
  const bdFromGcj = fromWgs84(toWgs84([116.42703, 39.90245], 'gcj02'), 'bd09');
  t.true(distanceM(bdFromGcj, [116.43351, 39.90851]) < 2, `${bdFromGcj}`);
});

test('in Rugao the offsets are hundreds of metres, the round trips within a metre; WGS84 and CGCS2000 unchanged', (t) => {
  const p: [number, number] = [120.57, 32.38];
  const gcj = fromWgs84(p, 'gcj02');
  const bd = fromWgs84(p, 'bd09');
  t.true(distanceM(p, gcj) > 300 && distanceM(p, gcj) < 700, `GCJ-02 offset ${distanceM(p, gcj)} m`);
  t.true(distanceM(p, bd) > 900 && distanceM(p, bd) < 1500, `BD-09 offset ${distanceM(p, bd)} m`);
  t.true(distanceM(toWgs84(gcj, 'gcj02'), p) < 1);
  t.true(distanceM(toWgs84(bd, 'bd09'), p) < 1);
  t.deepEqual(toWgs84(p, 'wgs84'), p);
  t.deepEqual(toWgs84(p, 'cgcs2000'), p);
});
