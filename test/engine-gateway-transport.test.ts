/**
 * The gateway's transport settings: TLS (ENGINE_TLS_CERT/KEY), the message size limit
 * (ENGINE_MAX_MESSAGE_BYTES, with large ActivateJobs answers split below it) and long polls that end
 * before the caller's gRPC deadline, and the request compression the gateway asks for (none).
 */
import test from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ClientReadableStream, ServiceError, StatusObject } from '@grpc/grpc-js';
import { bpmnVariant, rawGatewayClient, rawUnary, startTestEngine } from './helpers/engine.ts';

const oneTask = readFileSync(new URL('./fixtures/engine/one-task.bpmn', import.meta.url), 'utf8');

/** A self-signed certificate for 127.0.0.1 in a temp folder. */
function selfSigned(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'hub-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

test('with a certificate and key the gateway serves TLS; plaintext clients are refused', async (t) => {
  const tls = selfSigned(t);
  const engine = await startTestEngine({ tls });
  t.teardown(() => engine.close());
  const topology = await engine.zbc.topology();
  t.is(topology.brokers[0]!.port, Number(engine.address.split(':')[1]));
  const secure = rawGatewayClient(engine.address, readFileSync(tls.certFile));
  t.teardown(() => secure.close());
  t.is((await rawUnary(secure, 'Topology', {})).clusterSize, 1);
  const plaintext = rawGatewayClient(engine.address);
  t.teardown(() => plaintext.close());
  const err = await t.throwsAsync<ServiceError>(
    new Promise((resolve, reject) =>
      plaintext.Topology!({}, { deadline: Date.now() + 3000 }, (e: Error | null, r: unknown) =>
        e ? reject(e) : resolve(r),
      ),
    ),
  );
  t.true(err.code === 14 || err.code === 4, `code ${err.code}`);
});

test('messages above ENGINE_MAX_MESSAGE_BYTES are refused; large job batches arrive split below it', async (t) => {
  const limit = 64 * 1024;
  const engine = await startTestEngine({ maxMessageBytes: limit });
  t.teardown(() => engine.close());
  const raw = rawGatewayClient(engine.address);
  t.teardown(() => raw.close());

  const tooLarge = await t.throwsAsync<ServiceError>(
    rawUnary(raw, 'DeployResource', {
      resources: [{ name: 'big.bpmn', content: Buffer.alloc(limit + 1, 32) }],
    }),
  );
  t.is(tooLarge.code, 8);

  const variant = bpmnVariant(oneTask, 'big');
  await engine.zbc.deployResource({ process: Buffer.from(variant.xml), name: 'big.bpmn' });
  const blob = 'x'.repeat(25 * 1024);
  for (let i = 0; i < 3; i++)
    await engine.zbc.createProcessInstance({ bpmnProcessId: variant.processIds[0]!, variables: { i, blob } });
  const messages: { jobs: unknown[] }[] = [];
  await new Promise<void>((resolve, reject) => {
    const call = raw.ActivateJobs!({
      type: variant.jobTypes[0]!,
      worker: 'w',
      timeout: 30_000,
      maxJobsToActivate: 3,
      requestTimeout: -1,
    }) as ClientReadableStream<{ jobs: unknown[] }>;
    call.on('data', (m: { jobs: unknown[] }) => messages.push(m));
    call.on('error', reject);
    call.on('end', () => resolve());
  });
  t.is(
    messages.reduce((n, m) => n + m.jobs.length, 0),
    3,
  );
  t.true(messages.length >= 2, `${messages.length} messages`);
});

test('a long poll longer than the call deadline completes OK before the deadline', async (t) => {
  const engine = await startTestEngine();
  t.teardown(() => engine.close());
  const raw = rawGatewayClient(engine.address);
  t.teardown(() => raw.close());
  await rawUnary(raw, 'Topology', {}); // connect first, so the deadline measures only the long poll
  const started = Date.now();
  const status = await new Promise<StatusObject>((resolve) => {
    const call = raw.ActivateJobs!(
      { type: 'never', worker: 'w', timeout: 1000, maxJobsToActivate: 1, requestTimeout: 60_000 },
      { deadline: Date.now() + 3000 },
    ) as ClientReadableStream<unknown>;
    call.on('data', () => {});
    call.on('error', () => {});
    call.on('status', resolve);
  });
  t.is(status.code, 0, status.details);
  const elapsed = Date.now() - started;
  t.true(elapsed >= 2000 && elapsed < 3000, `ended after ${elapsed} ms`);
});

test('answers advertise grpc-accept-encoding identity, so clients stop gzipping requests; gzipped requests are still served', async (t) => {
  const engine = await startTestEngine();
  t.teardown(() => engine.close());
  // bare HTTP/2, to see the headers the client's compression filter consumes
  const session = connect(`http://${engine.address}`);
  t.teardown(() => session.close());
  const body = gzipSync(Buffer.alloc(0)); // an empty TopologyRequest
  const frame = Buffer.concat([Buffer.from([1]), Buffer.alloc(4), body]);
  frame.writeUInt32BE(body.length, 1);
  const reply = await new Promise<{ headers: Record<string, unknown>; trailers: Record<string, unknown> }>(
    (resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/gateway_protocol.Gateway/Topology',
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-encoding': 'gzip',
      });
      let headers: Record<string, unknown> = {};
      stream.on('response', (h) => (headers = h));
      stream.on('trailers', (trailers) => resolve({ headers, trailers }));
      stream.on('data', () => {});
      stream.on('error', reject);
      stream.end(frame);
    },
  );
  t.is(reply.headers[':status'], 200);
  t.is(reply.headers['grpc-accept-encoding'], 'identity');
  t.is(reply.trailers['grpc-status'], '0');
  // and the real client, which starts with gzip, keeps working once it switched
  for (let i = 0; i < 3; i++) t.is((await engine.zbc.topology()).brokers.length, 1);
});

test('a call fired just before the client closes its channel is answered, with grpc-js 1.9 and the current one', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.close());
  const client = new URL('./fixtures/engine/late-call-client.ts', import.meta.url).pathname;
  const expected = {
    // grpc-js 1.9 starts the call on the connection it is closing: the gateway serves it.
    'grpc-js-1-9':
      "5 Command 'CANCEL' rejected with code 'NOT_FOUND': Expected to cancel a process instance with key " +
      "'2251799813685999', but no such process was found",
    // The current grpc-js refuses a call started after close() itself, at once.
    '@grpc/grpc-js': '14 Channel closed before call started',
  };
  for (const [module, answer] of Object.entries(expected)) {
    // A client spinning on a refused stream never prints: the child is killed after 20 s.
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import=tsx', client, te.address, module],
        { timeout: 20_000 },
        (err, stdout) => (err ? reject(new Error(`${module}: ${err.message}`)) : resolve(stdout)),
      ),
    );
    const result = JSON.parse(out) as { answer: string; ticks: number };
    t.is(result.answer, answer, module);
    t.true(result.ticks >= 3, `${module}: its timers run (${result.ticks} ticks in 500 ms)`);
  }
  // The gateway still serves new clients.
  t.is((await te.zbc.topology()).brokers.length, 1);
});
