/**
 * Build-time parts of the installable app (智信平台) at /app/: the service worker, the web app manifest
 * and the icons. The service worker's precache list is the set of files the app's own entry reaches
 * (its chunks, their static and dynamic imports, their CSS), read from the bundle, so the admin UI's
 * chunks (bpmn-js …) are never downloaded by a phone and a new build gets a new cache name. The icons
 * are drawn here (a map pin on the hub's blue), PNG encoded with node:zlib — no image tool needed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import type { Plugin } from 'vite';
import type { OutputBundle, OutputChunk } from 'rolldown';

const APP = 'app/';
const swSource = new URL('./sw.js', import.meta.url).pathname;

/** CRC-32 of PNG chunks. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * The app icon at `size` px: blue square (maskable: the pin stays inside the 80 % safe zone), a white
 * map pin with a blue dot, a white road line under it.
 */
export function iconPng(size: number): Buffer {
  const rows: Buffer[] = [];
  const s = size;
  const blue = [11, 87, 164];
  const white = [255, 255, 255];
  const cx = s / 2;
  const cy = s * 0.42;
  const r = s * 0.2;
  for (let y = 0; y < s; y++) {
    const row = Buffer.alloc(1 + s * 3);
    for (let x = 0; x < s; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const d = Math.hypot(px - cx, py - cy);
      // The pin: a circle plus a triangle pointing down to (cx, cy + 2.1 r).
      const tip = cy + 2.1 * r;
      const inTriangle = py >= cy && py <= tip && Math.abs(px - cx) <= (r * (tip - py)) / (tip - cy);
      let c = blue;
      if (d <= r || inTriangle) c = d <= r * 0.42 ? blue : white;
      const road = py > s * 0.8 && py < s * 0.84 && px > s * 0.22 && px < s * 0.78;
      if (road) c = white;
      row.set(c, 1 + x * 3);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(s, 0);
  ihdr.writeUInt32BE(s, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" fill="#0b57a4"/><path d="M50 84 30 46a20 20 0 1 1 40 0Z" fill="#fff"/><circle cx="50" cy="42" r="8.4" fill="#0b57a4"/><rect x="22" y="80" width="56" height="4" fill="#fff"/></svg>`;

/**
 * The icons under content-hashed names in /assets/, which the hub serves as immutable. Under a fixed name
 * (/app/icon.svg, served `no-cache`) every use of the icon went back to the hub on a first load: the login
 * screen's image (200), the page's own icon link (a revalidation, 304), the service worker's precache
 * (another 304) — and the manifest's PNGs once for the install check and again for the precache. Hashed,
 * the first download is fresh for everyone after it; a new drawing is a new name.
 */
function hashed(name: string, ext: string, source: Buffer | string) {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 10);
  return { fileName: `assets/${name}-${hash}.${ext}`, url: `/assets/${name}-${hash}.${ext}`, source };
}
const ICONS = {
  svg: hashed('app-icon', 'svg', ICON_SVG),
  png192: hashed('app-icon-192', 'png', iconPng(192)),
  png512: hashed('app-icon-512', 'png', iconPng(512)),
};

const manifest = {
  name: '智信平台 · 智慧城管',
  short_name: '智信平台',
  description: '城管通、处置通等移动应用：上报、核实核查、处置，离线可用',
  lang: 'zh-CN',
  id: '/app/',
  start_url: '/app/',
  scope: '/app/',
  display: 'standalone',
  orientation: 'portrait',
  background_color: '#f5f6f8',
  theme_color: '#0b57a4',
  icons: [
    { src: ICONS.png192.url, sizes: '192x192', type: 'image/png', purpose: 'any' },
    { src: ICONS.png512.url, sizes: '512x512', type: 'image/png', purpose: 'any' },
    { src: ICONS.png512.url, sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    { src: ICONS.svg.url, sizes: 'any', type: 'image/svg+xml' },
  ],
};

/** `import icon from 'virtual:app-icon'`: the SVG icon's hashed URL, for the shell's login screen. */
const VIRTUAL_ICON = 'virtual:app-icon';

/** The files the app's entry reaches, as URLs under /. */
function reachable(bundle: OutputBundle): string[] {
  const entry = Object.values(bundle).find(
    (f): f is OutputChunk =>
      f.type === 'chunk' && f.isEntry && Boolean(f.facadeModuleId?.endsWith('/app/index.html')),
  );
  if (!entry) throw new Error('pwa-plugin: the app entry (app/index.html) is not in the bundle');
  const seen = new Set<string>();
  const walk = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const f = bundle[name];
    if (f?.type !== 'chunk') return;
    for (const css of f.viteMetadata?.importedCss ?? []) seen.add(css);
    for (const asset of f.viteMetadata?.importedAssets ?? []) seen.add(asset);
    for (const i of [...f.imports, ...f.dynamicImports]) walk(i);
  };
  walk(entry.fileName);
  return [...seen].map((n) => `/${n}`);
}

export function pwaPlugin(): Plugin[] {
  const icon: Plugin = {
    name: 'hub-pwa-icon',
    resolveId: (source) => (source === VIRTUAL_ICON ? '\0' + VIRTUAL_ICON : null),
    load: (id) => (id === '\0' + VIRTUAL_ICON ? `export default ${JSON.stringify(ICONS.svg.url)};` : null),
  };
  const build: Plugin = {
    name: 'hub-pwa',
    apply: 'build',
    enforce: 'post',
    // The app's page names its icons by their hashed URLs too (the index.html source says /app/icon.svg).
    transformIndexHtml: {
      order: 'post',
      handler: (page, { filename }) =>
        filename.endsWith(`${APP}index.html`)
          ? page
              .replace('"/app/icon.svg"', `"${ICONS.svg.url}"`)
              .replace('"/app/icon-192.png"', `"${ICONS.png192.url}"`)
          : page,
    },
    generateBundle(_options, bundle) {
      for (const icon of Object.values(ICONS))
        this.emitFile({ type: 'asset', fileName: icon.fileName, source: icon.source });
      this.emitFile({
        type: 'asset',
        fileName: `${APP}manifest.webmanifest`,
        source: JSON.stringify(manifest, null, 2),
      });
      const files = [
        '/app/',
        '/app/manifest.webmanifest',
        ICONS.png192.url,
        ICONS.svg.url,
        ...reachable(bundle).sort(),
      ];
      // The cache name changes with any file of the app, so a new build replaces the old cache.
      const hash = createHash('sha256');
      for (const f of files) {
        hash.update(f);
        const item = bundle[f.slice(1)];
        if (item) hash.update(item.type === 'chunk' ? item.code : item.source);
      }
      const version = hash.digest('hex').slice(0, 12);
      const source = readFileSync(swSource, 'utf8')
        .replace('const PRECACHE = __PRECACHE__;', `const PRECACHE = ${JSON.stringify(files)};`)
        .replace('const VERSION = __VERSION__;', `const VERSION = ${JSON.stringify(version)};`);
      this.emitFile({ type: 'asset', fileName: `${APP}sw.js`, source });
    },
  };
  return [icon, build];
}
