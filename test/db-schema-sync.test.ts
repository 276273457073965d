import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { syncSchemas } from '../prisma/sync.ts';
import { loadMigrations, migrate } from '../src/db/index.ts';
import { createTestDb } from './helpers/db.ts';

const PRISMA_DIR = fileURLToPath(new URL('../prisma/', import.meta.url));

/** A copy of model.prisma, the two schemas and their migrations, in <tmp>/prisma. */
async function copyPrisma(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hub-prisma-'));
  const dir = join(root, 'prisma');
  for (const entry of ['model.prisma', 'sqlite', 'postgres']) {
    await cp(join(PRISMA_DIR, entry), join(dir, entry), { recursive: true });
  }
  return dir;
}

test('the committed schemas and migrations are what the model produces', async (t) => {
  t.deepEqual(await syncSchemas({ prismaDir: PRISMA_DIR, check: true }), { problems: [], written: [] });
});

test('a model change is drift until db:generate writes a migration, which then applies', async (t) => {
  const dir = await copyPrisma();
  t.teardown(() => rm(join(dir, '..'), { recursive: true, force: true }));
  const model = join(dir, 'model.prisma');
  await writeFile(
    model,
    (await readFile(model, 'utf8')).replace(
      '  holder    String\n',
      '  holder    String\n  /// why the lease is held\n  purpose   String?\n',
    ),
  );

  const drift = await syncSchemas({ prismaDir: dir, check: true });
  t.deepEqual(drift, {
    problems: [
      'prisma/sqlite/schema.prisma is not what prisma/model.prisma produces',
      'prisma/postgres/schema.prisma is not what prisma/model.prisma produces',
      'prisma/model.prisma has changes without a migration',
    ],
    written: [],
  });

  // Without a name nothing is written, not even the schemas.
  const unnamed = await syncSchemas({ prismaDir: dir, check: false });
  t.deepEqual(unnamed, {
    problems: [
      'prisma/model.prisma changed: name the migration, e.g. `npm run db:generate -- --name add_case_tags`',
    ],
    written: [],
  });
  t.deepEqual((await syncSchemas({ prismaDir: dir, check: true })).problems, drift.problems);

  const now = new Date('2099-01-02T03:04:05Z');
  const generated = await syncSchemas({ prismaDir: dir, check: false, name: 'lease_purpose', now });
  t.deepEqual(generated.problems, []);
  t.deepEqual(generated.written, [
    'prisma/sqlite/schema.prisma',
    'prisma/postgres/schema.prisma',
    'prisma/sqlite/migrations/20990102030405_lease_purpose/migration.sql',
    'prisma/sqlite/migrations/20990102030405_lease_purpose/schema.snapshot.prisma',
    'prisma/postgres/migrations/20990102030405_lease_purpose/migration.sql',
    'prisma/postgres/migrations/20990102030405_lease_purpose/schema.snapshot.prisma',
  ]);
  const sql = (db: string) =>
    readFile(join(dir, db, 'migrations', '20990102030405_lease_purpose', 'migration.sql'), 'utf8');
  t.is(await sql('sqlite'), '-- AlterTable\nALTER TABLE "Lease" ADD COLUMN "purpose" TEXT;\n');
  t.is(await sql('postgres'), '-- AlterTable\nALTER TABLE "Lease" ADD COLUMN     "purpose" TEXT;\n');
  t.deepEqual(await syncSchemas({ prismaDir: dir, check: true }), { problems: [], written: [] });

  // The new migration applies on top of the committed ones.
  const tdb = await createTestDb({ migrate: false });
  t.teardown(() => tdb.drop());
  const migrationsDir = join(dir, tdb.provider === 'sqlite' ? 'sqlite' : 'postgres', 'migrations');
  const result = await migrate(tdb.url, tdb.provider, { migrationsDir });
  t.deepEqual(
    result.applied,
    loadMigrations(migrationsDir).map((m) => m.name),
  );
  t.is(result.applied.at(-1), '20990102030405_lease_purpose');
  await tdb.db.prisma.$executeRawUnsafe(
    `INSERT INTO "Lease" ("name", "holder", "expiresAt", "updatedAt", "purpose") VALUES ('a', 'h', '2099-01-01T00:00:00Z', '2099-01-01T00:00:00Z', 'assessment')`,
  );
  const rows = await tdb.db.prisma.$queryRawUnsafe<{ purpose: string }[]>(`SELECT "purpose" FROM "Lease"`);
  t.deepEqual(rows, [{ purpose: 'assessment' }]);
});

test('a hand-edited migration or schema file is reported', async (t) => {
  const dir = await copyPrisma();
  t.teardown(() => rm(join(dir, '..'), { recursive: true, force: true }));
  const [firstMigration] = (await readdir(join(dir, 'postgres', 'migrations'))).sort();
  const file = join(dir, 'postgres', 'migrations', firstMigration!, 'migration.sql');
  await writeFile(
    file,
    (await readFile(file, 'utf8')).replace('CREATE TABLE "User"', 'CREATE TABLE "Users"'),
  );
  const schema = join(dir, 'sqlite', 'schema.prisma');
  await writeFile(schema, (await readFile(schema, 'utf8')) + '\n// tweak\n');

  const { problems } = await syncSchemas({ prismaDir: dir, check: true });
  t.deepEqual(problems, [
    'prisma/sqlite/schema.prisma is not what prisma/model.prisma produces',
    `prisma/postgres/migrations/${firstMigration}/migration.sql differs from what its snapshot produces; ` +
      'migrations are never edited by hand: restore it (git checkout) and put changes in a new migration',
  ]);
  // Generating does not paper over an edited migration either.
  const generate = await syncSchemas({ prismaDir: dir, check: false });
  t.true(generate.problems.some((p) => p.includes(`${firstMigration}/migration.sql differs`)));
});
