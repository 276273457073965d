// 地理数据导入 in Debian's Chromium against a real hub (demo data): the administrator picks 单元网格与责任网格,
// GCJ-02 and a GeoJSON file with a cell whose ring is not closed — the page shows 导入被拒绝 and names
// 第 2 个要素 and why, and nothing is stored; 仅检查 of the corrected file says what it would add; 导入
// stores both cells (in WGS84) and the report says so. axe finds nothing serious on the page.
import test from 'ava';
import type { Page } from 'playwright-core';
import { fromWgs84 } from '../src/geography/index.ts';
import { loginThroughForm, seriousViolations, useUiHub } from './helpers/browser.ts';

let page: Page;
const ui = useUiHub(test, async ({ hub, browser }) => {
  page = await browser.newPage();
  await loginThroughForm(page, hub.url, 'administrator');
  await page.getByRole('link', { name: '运维管理' }).click();
  await page.getByRole('tab', { name: '地理数据导入' }).click();
  await page.getByRole('heading', { name: '地理数据导入', level: 2 }).waitFor();
});

const CODES = ['32068299900101', '32068299900102'];
const ring = (lng: number, closed = true) => {
  const pts = [
    [lng, 32.45],
    [lng + 0.001, 32.45],
    [lng + 0.001, 32.451],
    [lng, 32.451],
    closed ? [lng, 32.45] : [lng + 0.0002, 32.4501],
  ].map((p) => fromWgs84(p as [number, number], 'gcj02'));
  return { type: 'Polygon', coordinates: [pts] };
};
const file = (secondClosed: boolean) => ({
  name: '新网格.geojson',
  mimeType: 'application/geo+json',
  buffer: Buffer.from(
    JSON.stringify({
      type: 'FeatureCollection',
      features: CODES.map((code, i) => ({
        type: 'Feature',
        properties: { code, street: '城北街道', community: '试点社区', supervisor: 'field_supervisor' },
        geometry: ring(120.65 + i * 0.001, i === 0 || secondClosed),
      })),
    }),
  ),
});
const stored = () =>
  ui.hub.hub.db.prisma.gridCell.findMany({ where: { code: { in: CODES } }, orderBy: { code: 'asc' } });
const figure = (name: string) => page.locator(`[data-figure="${name}"]`).innerText();

test.serial(
  'a refused file is reported row by row and stores nothing; a good one is checked, then imported',
  async (t) => {
    await page.getByLabel('导入内容').selectOption({ label: '单元网格与责任网格' });
    await page.getByLabel('文件的坐标系').selectOption({ label: 'GCJ-02（高德、腾讯地图）' });
    await page.getByLabel('文件（GeoJSON 或 CSV）').setInputFiles(file(false));
    await page.getByRole('button', { name: '导入', exact: true }).click();
    await page.getByText('导入被拒绝：1 处问题，未保存任何数据').waitFor();
    t.deepEqual(await page.getByTestId('import-rejected').locator('tbody tr').allInnerTexts(), [
      '第 2 个要素\t多边形的环没有闭合：最后一个坐标应与第一个相同（坐标位置 0.4）',
    ]);
    t.is(await figure('rowsRead'), '2');
    t.is(await figure('added'), '0');
    t.deepEqual(await stored(), []);
    t.deepEqual(await seriousViolations(page), []);

    await page.getByLabel('文件（GeoJSON 或 CSV）').setInputFiles(file(true));
    await page.getByRole('button', { name: '仅检查' }).click();
    await page.getByText('检查通过，尚未保存').waitFor();
    t.is(await figure('added'), '2');
    t.is(await page.getByText('将新增').count(), 1);
    t.deepEqual(await stored(), []);

    await page.getByRole('button', { name: '导入', exact: true }).click();
    await page.getByText('已导入', { exact: true }).waitFor();
    t.is(await figure('added'), '2');
    t.is(await figure('rejected'), '0');
    const cells = await stored();
    t.deepEqual(
      cells.map((c) => [
        c.code,
        c.community,
        Math.round(c.minLng * 1e5) / 1e5,
        Math.round(c.minLat * 1e5) / 1e5,
      ]),
      [
        [CODES[0], '试点社区', 120.65, 32.45],
        [CODES[1], '试点社区', 120.651, 32.45],
      ],
    );
    t.truthy(cells[0]!.supervisorUserId);
  },
);
