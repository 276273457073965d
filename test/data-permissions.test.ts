// The hub's data is for its own user: a fresh start makes DATA_DIR and the database folder 0700, the
// SQLite files of the case store and the engine (with their -wal files), the secret and the demo password
// 0600, whatever the umask; a start on looser files is refused naming each path (refuse) or tightens
// them and logs each (fix, the default).
import test from 'ava';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config.ts';
import { createHub } from '../src/hub.ts';
import { createLogger } from '../src/log.ts';
import { createTestDb } from './helpers/db.ts';

// The usual umask: without the hub's care its files would be 0644 and its folders 0755.
process.umask(0o022);

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

test('the data dir, database files, secret and demo password are private; looser ones are refused or tightened', async (t) => {
  const dataDir = join(await mkdtemp(join(tmpdir(), 'hub-perm-')), 'data');
  const pg = process.env.HUB_TEST_DB === 'postgres' ? await createTestDb({ migrate: false }) : undefined;
  t.teardown(async () => {
    await pg?.drop();
    await rm(join(dataDir, '..'), { recursive: true, force: true });
  });
  const hubDb = join(dataDir, 'db', 'hub.db');
  const engineDb = join(dataDir, 'engine', 'engine.db');
  const lines: { level: number; msg: string; path?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const start = async (permissions?: string) => {
    const config = loadConfig({
      DATA_DIR: dataDir,
      DATABASE_URL: pg ? pg.url : `file:${hubDb}`,
      ENGINE_DATABASE_URL: `file:${engineDb}`,
      ZEEBE_ADDRESS: '127.0.0.1:0',
      ENGINE_MANAGEMENT_PORT: '0',
      HUB_PORT: '0',
      SIMULATORS: 'false',
      HUB_DATA_PERMISSIONS: permissions,
    });
    const hub = createHub({ config, logger: createLogger('info', sink) });
    try {
      await hub.start();
    } catch (err) {
      await hub.stop();
      throw err;
    }
    return hub;
  };

  const first = await start();
  const files = [join(dataDir, 'secret'), join(dataDir, 'demo-password'), engineDb, `${engineDb}-wal`];
  if (!pg) files.push(hubDb, `${hubDb}-wal`);
  const dirs = [dataDir, join(dataDir, 'engine'), ...(pg ? [] : [join(dataDir, 'db')])];
  for (const f of files) t.is(await modeOf(f), 0o600, f);
  for (const d of dirs) t.is(await modeOf(d), 0o700, d);
  await first.stop();

  // As an older hub (or a copy with cp) left them: readable by everyone.
  const opened = [dataDir, join(dataDir, 'secret'), engineDb, ...(pg ? [] : [hubDb])];
  for (const p of opened) await chmod(p, p === dataDir ? 0o755 : 0o644);
  const refused = await start('refuse').then(
    () => undefined,
    (err: Error) => err,
  );
  t.truthy(refused, 'a start on world-readable data is refused');
  for (const p of opened) t.true(refused!.message.includes(`${p} is 0${p === dataDir ? 755 : 644}`), p);
  t.is(await modeOf(dataDir), 0o755, 'refuse changes nothing');

  lines.length = 0;
  const fixed = await start();
  t.teardown(() => fixed.stop());
  for (const p of opened) t.is(await modeOf(p), p === dataDir ? 0o700 : 0o600, p);
  t.deepEqual(
    lines
      .filter((l) => l.level === 40 && /other users could read/.test(l.msg))
      .map((l) => l.path)
      .sort(),
    [...opened].sort(),
  );
});
