// The built UI's files as the hub serves them (src/ui/static.ts), without a browser or a database: a
// script goes gzipped to a client that accepts gzip and as it is to one that does not, the same bytes
// either way; a small file and an image go as they are; HEAD and a revalidation (304) still work.
import { mkdtemp, rm, writeFile, mkdir, utimes } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import test from 'ava';
import Koa from 'koa';
import { serveAdminUi } from '../src/ui/static.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request (node:http neither asks for nor undoes any encoding by itself). */
const get = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });

const script = 'export const words = ["受理", "派遣", "核实", "核查", "结案"];\n'.repeat(400);

let dir = '';
let base = '';
let close = () => {};
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ui-static-'));
  await mkdir(join(dir, 'assets'));
  await mkdir(join(dir, 'app'));
  await writeFile(join(dir, 'assets/chunk-abc.js'), script);
  await writeFile(join(dir, 'assets/tiny-abc.js'), 'export {};\n');
  await writeFile(join(dir, 'assets/pic-abc.png'), Buffer.alloc(4096, 7));
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html><title>hub</title>' + '<p>受理派遣台</p>'.repeat(200),
  );
  await writeFile(join(dir, 'app/index.html'), '<!doctype html><title>app</title>');
  const app = new Koa();
  app.use(serveAdminUi(dir));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
test.after.always(async () => {
  close();
  await rm(dir, { recursive: true, force: true });
});

test('a script goes gzipped to a client that accepts gzip, the same bytes once unpacked', async (t) => {
  const res = await get(`${base}/assets/chunk-abc.js`, { 'accept-encoding': 'gzip, deflate' });
  t.is(res.status, 200);
  t.is(res.headers['content-encoding'], 'gzip');
  t.regex(String(res.headers.vary), /accept-encoding/i);
  t.is(res.headers['content-type'], 'text/javascript; charset=utf-8');
  t.is(Number(res.headers['content-length']), res.body.length);
  t.true(res.body.length < Buffer.byteLength(script) / 10, `${res.body.length} bytes`);
  t.is(gunzipSync(res.body).toString('utf8'), script);
  t.is(res.headers['cache-control'], 'public, max-age=31536000, immutable');
  // Asked again: the same answer (from the copy kept in memory).
  const again = await get(`${base}/assets/chunk-abc.js`, { 'accept-encoding': 'gzip' });
  t.deepEqual(again.body, res.body);
});

test('without gzip in Accept-Encoding the script goes as it is', async (t) => {
  const asked: Record<string, string>[] = [
    {},
    { 'accept-encoding': 'identity' },
    { 'accept-encoding': 'br;q=1, gzip;q=0' },
  ];
  for (const headers of asked) {
    const res = await get(`${base}/assets/chunk-abc.js`, headers);
    t.is(res.status, 200);
    t.is(res.headers['content-encoding'], undefined, JSON.stringify(headers));
    t.is(res.body.toString('utf8'), script);
    t.is(Number(res.headers['content-length']), Buffer.byteLength(script));
  }
});

test('a tiny script and an image go as they are; the app page falls back to its index gzipped or not', async (t) => {
  const tiny = await get(`${base}/assets/tiny-abc.js`, { 'accept-encoding': 'gzip' });
  t.is(tiny.headers['content-encoding'], undefined);
  t.is(tiny.body.toString('utf8'), 'export {};\n');
  const pic = await get(`${base}/assets/pic-abc.png`, { 'accept-encoding': 'gzip' });
  t.is(pic.headers['content-encoding'], undefined);
  t.is(pic.body.length, 4096);
  const page = await get(`${base}/cases`, { 'accept-encoding': 'gzip' });
  t.is(page.headers['content-encoding'], 'gzip');
  t.regex(gunzipSync(page.body).toString('utf8'), /受理派遣台/);
  t.is(page.headers['cache-control'], 'no-cache');
});

test('HEAD names the gzipped length without a body; a revalidation is a 304; a new build is sent anew', async (t) => {
  const get1 = await get(`${base}/index.html`, { 'accept-encoding': 'gzip' });
  const head = await get(`${base}/index.html`, { 'accept-encoding': 'gzip' }, 'HEAD');
  t.is(head.status, 200);
  t.is(head.body.length, 0);
  t.is(head.headers['content-encoding'], 'gzip');
  t.is(Number(head.headers['content-length']), get1.body.length);
  const since = String(get1.headers['last-modified']);
  const cached = await get(`${base}/index.html`, { 'accept-encoding': 'gzip', 'if-modified-since': since });
  t.is(cached.status, 304);
  t.is(cached.body.length, 0);
  // The file replaced by a new build: the new text, not the copy compressed before.
  const later = new Date(Date.parse(since) + 60_000);
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>hub</title>' + '<p>新版本</p>'.repeat(200));
  await utimes(join(dir, 'index.html'), later, later);
  const fresh = await get(`${base}/index.html`, { 'accept-encoding': 'gzip' });
  t.regex(gunzipSync(fresh.body).toString('utf8'), /新版本/);
});
