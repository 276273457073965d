/**
 * The hub's engine query client against a secured Camunda 8 cluster: it takes a token from the OAuth
 * server of the Zeebe client's settings (ZEEBE_CLIENT_ID / SECRET / AUTHORIZATION_SERVER_URL / TOKEN_AUDIENCE)
 * and sends it to the REST API at CAMUNDA_REST_ADDRESS. Both outside systems are played by small HTTP
 * servers speaking their protocols (client-credentials token endpoint, v2 incident search).
 */
import test from 'ava';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngineQuery } from '../src/incidents/index.ts';

const body = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
};

/** A signed JWT as an OAuth server issues it (the SDK reads its expiry). */
function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', 'test-signing-key').update(unsigned).digest('base64url')}`;
}
const TOKEN = jwt({ sub: 'chengguan-hub', aud: 'zeebe-api', exp: Math.floor(Date.now() / 1000) + 3600 });

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('searches carry the bearer token the OAuth server issued for the configured client', async (t) => {
  const tokenRequests: string[] = [];
  const oauth = createServer((req, res) => {
    void body(req).then((text) => {
      tokenRequests.push(text);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 }));
    });
  });
  const seen: { path: string; authorization?: string; body: string }[] = [];
  const cluster = createServer((req, res) => {
    void body(req).then((text) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization, body: text });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ items: [], page: { totalItems: 0, hasMoreTotalItems: false } }));
    });
  });
  const tokenUrl = `${await listen(oauth)}/oauth/token`;
  const restUrl = await listen(cluster);
  try {
    const query = createEngineQuery(
      {
        ZEEBE_CLIENT_ID: 'chengguan-hub',
        ZEEBE_CLIENT_SECRET: 'not-a-real-secret',
        ZEEBE_AUTHORIZATION_SERVER_URL: tokenUrl,
        ZEEBE_TOKEN_AUDIENCE: 'zeebe-api',
        CAMUNDA_REST_ADDRESS: restUrl,
      },
      restUrl,
    );
    const found = await query.searchIncidents({ filter: { state: 'ACTIVE' } });
    t.is(found.page.totalItems, 0);
    t.is(seen.length, 1);
    t.is(seen[0]!.path, '/v2/incidents/search');
    t.is(seen[0]!.authorization, `Bearer ${TOKEN}`);
    t.deepEqual(JSON.parse(seen[0]!.body), { filter: { state: 'ACTIVE' } });
    t.true(tokenRequests.length >= 1);
    const form = new URLSearchParams(tokenRequests[0]);
    t.is(form.get('client_id'), 'chengguan-hub');
    t.is(form.get('client_secret'), 'not-a-real-secret');
    t.is(form.get('grant_type'), 'client_credentials');
    // the token stays in memory: no file under the SDK's default cache folder
    t.false(existsSync(join(homedir(), '.camunda', 'oauth-token-chengguan-hub-ZEEBE.json')));
  } finally {
    oauth.close();
    cluster.close();
  }
});
