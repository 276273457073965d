// What makes 智信平台 installable, as a phone meets it: the manifest, its icons, the service worker and deep
// links under /app/ — and a first load that downloads the icon once. The icons have content-hashed names
// under /assets/ (served immutable); under a fixed /app/icon.svg served no-cache, one first load asked the
// hub for it three times (the login image, the page's icon link, the service worker's precache).
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { serviceWorkerInControl, useUiHub } from './helpers/browser.ts';

const fx = useUiHub(test);

interface Manifest {
  start_url: string;
  display: string;
  icons: { src: string; sizes: string; type: string }[];
}
const manifest = async () =>
  (await (await fetch(`${fx.hub.url}/app/manifest.webmanifest`)).json()) as Manifest;

test.serial('manifest, icons and the service worker are served for /app/', async (t) => {
  const m = await manifest();
  t.is(m.start_url, '/app/');
  t.is(m.display, 'standalone');
  const big = m.icons.find((i) => i.sizes === '512x512')!;
  t.regex(big.src, /^\/assets\/app-icon-512-[0-9a-f]{10}\.png$/);
  const icon = await fetch(`${fx.hub.url}${big.src}`);
  t.is(icon.headers.get('content-type'), 'image/png');
  t.is(icon.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const bytes = Buffer.from(await icon.arrayBuffer());
  t.deepEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [512, 512], 'a 512×512 PNG');
  const sw = await fetch(`${fx.hub.url}/app/sw.js`);
  t.is(sw.headers.get('cache-control'), 'no-cache');
  t.regex(await sw.text(), /const PRECACHE = \["\/app\/",/);
  t.is((await fetch(`${fx.hub.url}/app/supervisor/anything`)).status, 200, 'deep links get the app');
});

test.serial('a first load asks the hub for the app icon once', async (t) => {
  // What reaches the hub, counted in front of it: Chromium reports cache hits as requests too.
  const hub = new URL(fx.hub.url);
  const asked: string[] = [];
  const counter = createServer((req, res) => {
    asked.push(req.url!);
    const upstream = request(
      { host: hub.hostname, port: hub.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
  try {
    const context = await fx.browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(counter.address() as AddressInfo).port}/app/`);
    // The login screen shows the icon; the service worker installs (its precache holds the icons).
    const shown = await page.locator('.login img').getAttribute('src');
    await page.waitForFunction(serviceWorkerInControl, null, { timeout: 30_000 });
    await page.waitForTimeout(500);
    const { icons } = await manifest();
    const svg = icons.find((i) => i.type === 'image/svg+xml')!.src;
    const touch = icons.find((i) => i.sizes === '192x192')!.src;
    t.is(shown, svg);
    // Each once: the SVG for the login image (the page's icon link and the precache find it fresh), the
    // 192 px PNG (the touch icon) by the precache.
    t.deepEqual(asked.filter((u) => u.includes('icon')).sort(), [svg, touch].sort());
    await context.close();
  } finally {
    counter.close();
  }
});
