/**
 * `npm run db:generate [-- --name <what_changed>]` / `npm run db:check`.
 *
 * prisma/model.prisma is the one source of truth for the data model. Prisma cannot switch the database
 * provider by environment, so this derives the SQLite and PostgreSQL schemas and migrations (sync.ts)
 * and then generates both clients into src/generated/<db> (git-ignored; `prisma generate` works
 * offline). `--check` writes nothing and exits 1 with the list of problems (CI runs it).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncSchemas, TARGETS } from './sync.ts';

const PRISMA_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(PRISMA_DIR);

function parseArgs(argv: string[]): { check: boolean; name: string | undefined } {
  const check = argv.includes('--check');
  const i = argv.indexOf('--name');
  const name = i >= 0 ? argv[i + 1] : undefined;
  if (name !== undefined && !/^[a-z0-9_]+$/.test(name)) {
    throw new Error(`--name must be snake_case letters, digits and _ (got "${name}")`);
  }
  return { check, name };
}

function runPrismaGenerate(schemaPath: string): void {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve('prisma/package.json')), 'build', 'index.js');
  execFileSync(process.execPath, [cli, 'generate', '--schema', schemaPath], {
    cwd: ROOT,
    stdio: 'inherit',
    // The CLI insists on downloading the native schema engine before any `generate`, which then goes
    // unused; naming a stand-in skips the download (see no-schema-engine.sh).
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: join(PRISMA_DIR, 'no-schema-engine.sh') },
  });
}

async function main(): Promise<number> {
  const { check, name } = parseArgs(process.argv.slice(2));
  const { problems, written } = await syncSchemas({ prismaDir: PRISMA_DIR, check, name });
  for (const file of written) console.log(`wrote ${file}`);
  if (problems.length > 0) {
    console.error(
      (check ? 'db:check failed' : 'db:generate failed') + ':\n' + problems.map((p) => `  - ${p}`).join('\n'),
    );
    if (check)
      console.error('Run `npm run db:generate` (with --name for a model change) and commit the result.');
    return 1;
  }
  if (check) {
    console.log('db:check: schemas and migrations match prisma/model.prisma');
    return 0;
  }
  for (const target of TARGETS) runPrismaGenerate(join(PRISMA_DIR, target.dir, 'schema.prisma'));
  return 0;
}

process.exitCode = await main();
