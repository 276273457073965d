import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig, type Config } from '../src/config.ts';
import { createHub } from '../src/hub.ts';
import { createLogger } from '../src/log.ts';

/**
 * The benches' bulk load of `n` case rows into a hub's SQLite file (after a first start has seeded the Rugao
 * demo data: units, event categories, grid cells), spread over 700 days from 1 December 2024: plain
 * multi-row INSERTs in transactions, the Case table's secondary indexes dropped and rebuilt afterwards.
 * Returns the number of case rows in the file.
 */
export function loadCases(dbFile: string, n: number): number {
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  const departments = (db.prepare(`SELECT id FROM Department`).all() as { id: string }[]).map((r) => r.id);
  const categories = (
    db.prepare(`SELECT code FROM Category WHERE kind = 'event'`).all() as { code: string }[]
  ).map((r) => r.code);
  const grids = (db.prepare(`SELECT code FROM GridCell`).all() as { code: string }[]).map((r) => r.code);
  const indexes = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = 'Case'`,
    )
    .all() as { name: string; sql: string }[];
  for (const ix of indexes) db.exec(`DROP INDEX "${ix.name}"`);
  const STATUSES = [
    'closed',
    'closed',
    'closed',
    'closed',
    'closed',
    'dispatched',
    'signed',
    'registered',
    'checking',
    'voided',
  ];
  const SOURCES = ['supervisor', 'supervisor', 'supervisor', 'hotline', 'public', 'video'];
  const ROWS = 100;
  const sql =
    `INSERT INTO "Case" (id, caseNo, source, categoryKind, categoryCode, status, description, address, gridCode, departmentId, reportedAt, createdAt, updatedAt) VALUES ` +
    Array(ROWS).fill(`(?, ?, ?, 'event', ?, ?, ?, ?, ?, ?, ?, ?, ?)`).join(',');
  const stmt = db.prepare(sql);
  const start = Date.UTC(2024, 11, 1);
  const span = 700 * 86_400_000;
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)]!;
  const insert = db.transaction((from: number) => {
    const args: unknown[] = [];
    for (let i = from; i < from + ROWS; i++) {
      const at = new Date(start + Math.floor((i / n) * span)).toISOString().replace('Z', '+00:00');
      const status = pick(STATUSES);
      args.push(
        `bench-${String(i).padStart(8, '0')}`,
        `RG-B-${String(i + 1).padStart(7, '0')}`,
        pick(SOURCES),
        pick(categories),
        status,
        `路面问题第${i}号，影响通行`,
        `如皋市某路${1 + (i % 300)}号`,
        pick(grids),
        status === 'registered' ? null : pick(departments),
        at,
        at,
        at,
      );
    }
    stmt.run(...args);
  });
  for (let i = 0; i + ROWS <= n; i += ROWS) insert(i);
  for (const ix of indexes) db.exec(ix.sql);
  db.exec('ANALYZE');
  const count = (db.prepare(`SELECT count(*) AS n FROM "Case"`).get() as { n: number }).n;
  db.close();
  return count;
}

/**
 * A bench hub's store in a new temp directory (`<prefix>…`): a SQLite hub with the demo data (users signing
 * in with `password`), no engine, no simulators; started once (migrations, the demo data and their
 * statistics rows) and stopped, then `n` cases bulk-loaded by loadCases. The caller starts its own hub on
 * `config` and removes `dataDir` at the end.
 */
export async function prepareBenchStore(options: {
  prefix: string;
  password: string;
  adminUi: boolean;
  n: number;
}): Promise<{ dataDir: string; dbFile: string; config: Config; loaded: number; loadMs: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), options.prefix));
  const dbFile = join(dataDir, 'hub.db');
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: `file:${dbFile}`,
    HUB_PORT: '0',
    HUB_SEED_DEMO: 'true',
    HUB_DEMO_PASSWORD: options.password,
    ENGINE_DATABASE_URL: `file:${join(dataDir, 'engine.db')}`,
    ZEEBE_ADDRESS: '127.0.0.1:0',
    ENGINE_MANAGEMENT_PORT: '0',
    SIMULATORS: 'false',
    ADMIN_UI: options.adminUi ? 'true' : 'false',
  });
  const first = createHub({ config, logger: createLogger('silent') });
  await first.start();
  await first.stop();
  const t0 = performance.now();
  const loaded = loadCases(dbFile, options.n);
  const loadMs = Math.round(performance.now() - t0);
  return { dataDir, dbFile, config, loaded, loadMs };
}
