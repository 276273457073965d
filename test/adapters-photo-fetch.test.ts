// Issue 18 finding 7: a legacy system's photo URL was fetched whatever it named (loopback included), its
// whole body read before the size check, and the dead-letter errors told a closed port from a timeout.
// fetchPhoto against real HTTP servers on 127.0.0.1.
import test from 'ava';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentDeliveryError } from '../adapters/framework/types.ts';
import {
  fetchPhoto,
  hostAllowed,
  isNonPublicAddress,
  REFUSED_HOST,
  UNREACHABLE,
  type PhotoFetchPolicy,
} from '../adapters/photo-fetch.ts';

const JPEG = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0xff, 0xd9,
]);
const MB = 1024 * 1024;

let server: Server;
let base: string;
let port: string;
let streamed = 0;
let redirectTargetHits = 0;
const routes: Record<string, (res: ServerResponse) => void> = {
  '/ok.jpg': (res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(JPEG),
  '/page.html': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'),
  '/moved.jpg': (res) => res.writeHead(302, { location: '/target.jpg' }).end(),
  '/target.jpg': (res) => {
    redirectTargetHits++;
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(JPEG);
  },
  '/huge.jpg': (res) => {
    // 400 MB announced by nothing: chunked, written as fast as the client reads.
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    const chunk = Buffer.alloc(64 * 1024, 1);
    const write = () => {
      while (streamed < 400 * MB) {
        streamed += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end();
    };
    res.on('close', () => res.removeAllListeners('drain'));
    write();
  },
  '/slow.jpg': () => undefined, // never answers
};

test.before(async () => {
  server = createServer((req, res) => (routes[req.url ?? ''] ?? ((r) => r.writeHead(404).end()))(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = String((server.address() as AddressInfo).port);
  base = `http://127.0.0.1:${port}`;
});
test.after.always(() => {
  server.closeAllConnections();
  server.close();
});

// The simulators listen on loopback, so these tests allow it explicitly, as a test hub's configuration does.
const policy = (over: Partial<PhotoFetchPolicy> = {}): PhotoFetchPolicy => ({
  allowedHosts: () => [`127.0.0.1:${port}`, `localhost:${port}`],
  allowPrivate: true,
  maxBytes: MB,
  types: ['image/jpeg', 'image/png'],
  timeoutMs: 1500,
  ...over,
});

const refusal = async (t: import('ava').ExecutionContext, p: Promise<unknown>) => {
  const err = await t.throwsAsync(p);
  return err!;
};

test('an allowed host on an allowed address: the photo', async (t) => {
  const { bytes, contentType } = await fetchPhoto(`${base}/ok.jpg`, policy());
  t.deepEqual(bytes, JPEG);
  t.is(contentType, 'image/jpeg');
});

test('loopback is refused unless private addresses are allowed, by IP and by a name that resolves to it', async (t) => {
  for (const url of [`${base}/ok.jpg`, `http://localhost:${port}/ok.jpg`, `http://[::1]:${port}/ok.jpg`]) {
    const err = await refusal(
      t,
      fetchPhoto(
        url,
        policy({ allowPrivate: false, allowedHosts: () => ['127.0.0.1', 'localhost', '[::1]'] }),
      ),
    );
    t.true(err instanceof PermanentDeliveryError, url);
    t.is(err.message, REFUSED_HOST, url);
  }
});

test('a host or port not in the allowed list is refused before any connection, with the same sentence', async (t) => {
  for (const url of [
    `http://127.0.0.2:${port}/ok.jpg`,
    `http://127.0.0.1:1/ok.jpg`,
    'http://169.254.169.254/latest/meta-data',
  ]) {
    const err = await refusal(t, fetchPhoto(url, policy()));
    t.true(err instanceof PermanentDeliveryError, url);
    t.is(err.message, REFUSED_HOST, url);
  }
  t.is((await refusal(t, fetchPhoto('file:///etc/passwd', policy()))).message, 'photo URL is not http(s)');
});

test('a closed port and a server that never answers fail with one sentence', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const open = policy({ allowedHosts: () => ['127.0.0.1'] });
  const messages = [];
  for (const url of [`http://127.0.0.1:${closedPort}/x.jpg`, `${base}/slow.jpg`]) {
    const err = await refusal(t, fetchPhoto(url, open));
    t.false(err instanceof PermanentDeliveryError, url); // retried: the server may come back
    messages.push(err.message);
  }
  t.deepEqual(messages, [UNREACHABLE, UNREACHABLE]);
});

test('a 400 MB answer is cut off at the size limit, not read whole', async (t) => {
  const before = process.memoryUsage().rss;
  const err = await refusal(t, fetchPhoto(`${base}/huge.jpg`, policy()));
  t.true(err instanceof PermanentDeliveryError);
  t.is(err.message, `photo is larger than ${MB} bytes`);
  await new Promise((r) => setTimeout(r, 100));
  // The server got to write the limit plus what the socket buffers held, far from 400 MB.
  t.true(streamed < 32 * MB, `server wrote ${streamed} bytes`);
  t.true(process.memoryUsage().rss - before < 64 * MB);
});

test('a declared type that is not an accepted image, and a redirect, are refused', async (t) => {
  const html = await refusal(t, fetchPhoto(`${base}/page.html`, policy()));
  t.is(html.message, 'photo is not an accepted image (declared text/html)');
  const moved = await refusal(t, fetchPhoto(`${base}/moved.jpg`, policy()));
  t.is(moved.message, 'photo server answered 302; redirects are not followed');
  t.is(redirectTargetHits, 0);
  const missing = await refusal(t, fetchPhoto(`${base}/gone.jpg`, policy()));
  t.true(missing instanceof PermanentDeliveryError);
});

test('non-public addresses and allowed-host entries', (t) => {
  for (const a of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])
    t.true(isNonPublicAddress(a), a);
  for (const a of ['8.8.8.8', '58.215.1.1', '2400:3200::1', '::ffff:8.8.8.8'])
    t.false(isNonPublicAddress(a), a);
  t.true(hostAllowed(['video.example.org'], 'video.example.org', '8443'));
  t.false(hostAllowed(['video.example.org:443'], 'video.example.org', '8443'));
  t.true(hostAllowed(['*.example.org'], 'cam.video.example.org', '80'));
  t.false(hostAllowed(['*.example.org'], 'example.org.evil.net', '80'));
  t.true(hostAllowed(['[::1]:80'], '::1', '80'));
});
