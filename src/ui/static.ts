/**
 * Serves the built admin UI (admin-ui/dist, made by `npm run build:ui`) at /, and the installable app
 * (智信平台, admin-ui/app) at /app/: a path under /app/ without a file falls back to the app's own
 * index.html, /app redirects to /app/ (the service worker's scope). Paths under /api and the
 * API's own documents never reach it: the router answers those first. Any other GET for a path without
 * a file extension gets index.html, so a reload on a page of the app works. Hashed assets are cached
 * for a year; index.html is revalidated so a new build is picked up at once. Text files (scripts, styles,
 * HTML, SVG, JSON) go gzipped to a browser that accepts it: on a slow phone network the bytes are the
 * load time (bench/app.ts: the app's first screen is 87 KB as built, 31 KB gzipped).
 */
import { createReadStream, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb, constants as zlib } from 'node:zlib';
import type { Middleware } from 'koa';

const gzip = promisify(gzipCb);

/** Where `npm run build:ui` writes the app. */
export const ADMIN_UI_DIST = new URL('../../admin-ui/dist/', import.meta.url).pathname;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  // MapLibre's worker module (src/lib/map): served as script, or the browser refuses to run it (nosniff).
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
  '.map': 'application/json; charset=utf-8',
};

/** Types worth compressing (images and fonts are compressed already). */
const TEXT = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.webmanifest', '.map']);
/** Below this a gzip header and a round of CPU buy nothing. */
const MIN_GZIP_BYTES = 1024;
/** Gzipped files kept in memory: the build is a few MB of text, a new build has new names. */
const MAX_GZIP_ENTRIES = 500;

/**
 * Gzipped copies, compressed once per file version (path, size, mtime): level 9, since a file is
 * compressed once and sent many times (the 2.5 MB designer chunk takes ≈ 0.1 s once).
 */
const gzipped = new Map<string, { key: string; body: Promise<Buffer> }>();
function gzippedFile(path: string, info: Stats): Promise<Buffer> {
  const key = `${info.size}:${info.mtimeMs}`;
  const hit = gzipped.get(path);
  if (hit?.key === key) return hit.body;
  if (gzipped.size >= MAX_GZIP_ENTRIES) gzipped.clear();
  const body = readFile(path).then((raw) => gzip(raw, { level: zlib.Z_BEST_COMPRESSION }));
  gzipped.set(path, { key, body });
  // A failed read is not remembered: the next request tries again.
  body.catch(() => gzipped.delete(path));
  return body;
}

/** Paths the API owns: never answered with the app, so a wrong API path stays a 404 problem. */
const API_PATHS = /^\/(api|openapi\.json|healthz|readyz)(\/|$)/;

async function fileAt(path: string) {
  try {
    const s = await stat(path);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

/** Koa middleware serving `dir` (default: the built admin UI). */
export function serveAdminUi(dir = ADMIN_UI_DIST): Middleware {
  const root = normalize(dir.endsWith(sep) ? dir : dir + sep);
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || API_PATHS.test(ctx.path)) return next();
    let rel: string;
    try {
      rel = decodeURIComponent(ctx.path);
    } catch {
      return next();
    }
    if (rel === '/app') {
      ctx.redirect('/app/');
      return;
    }
    const inApp = rel.startsWith('/app/');
    let path = normalize(join(root, rel));
    // A path climbing out of the folder (../) is not ours to answer.
    if (!path.startsWith(root)) return next();
    let info = rel.endsWith('/') ? null : await fileAt(path);
    if (!info) {
      if (extname(rel) !== '') return next();
      path = join(root, inApp ? 'app/index.html' : 'index.html');
      info = await fileAt(path);
      if (!info) {
        ctx.status = 503;
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = 'The admin UI is not built: run `npm run build:ui` (npm start does it).\n';
        return;
      }
    }
    const ext = extname(path);
    ctx.type = TYPES[ext] ?? 'application/octet-stream';
    const compress = TEXT.has(ext) && info.size >= MIN_GZIP_BYTES;
    if (compress) ctx.vary('Accept-Encoding');
    const gz = compress && ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
    if (!gz) ctx.length = info.size;
    ctx.set(
      'cache-control',
      path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    ctx.set('x-content-type-options', 'nosniff');
    ctx.lastModified = info.mtime;
    // Koa's `fresh` is false while the status is still its default 404: without the 200 first a
    // revalidation (If-Modified-Since) was always sent the whole file again.
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    if (gz) {
      const body = await gzippedFile(path, info);
      ctx.set('content-encoding', 'gzip');
      // Koa sends no body for HEAD but keeps the length of the one it would send.
      ctx.body = body;
      return;
    }
    // Koa ends a HEAD response without a body; opening the file for it would only leak a descriptor.
    if (ctx.method === 'GET') ctx.body = createReadStream(path);
  };
}
