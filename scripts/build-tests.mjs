/* global console, performance */
/**
 * Bundles each test file (test/**\/*.test.ts) with the project's own modules into plain ES modules under
 * .test-build/, for `npm test`. Why: under tsx every module a test process loads — ~650 for a hub, most of
 * them in node_modules — goes through the TypeScript loader's hooks, which on Node 20 run on a separate
 * thread with a round trip per module; that cost ~2 CPU s per test file, before its first test. Bundled,
 * only the packages are loaded by Node itself. `npx ava test/x.test.ts` still runs a file through tsx.
 *
 * Each own module keeps its own `import.meta.url` (replaced by the source file's URL), so paths computed
 * from it (fixtures, processes/, the proto, the engine thread's entry) point where they do under tsx.
 */
import { readFile, rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, '.test-build');

const tests = readdirSync(join(root, 'test'), { recursive: true })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join(root, 'test', f));

/** Own TypeScript files keep their location: import.meta.url/dirname/filename become literals. */
const ownImportMeta = {
  name: 'own-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta')) return { contents: source, loader: 'ts' };
      const contents = source
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};

const started = performance.now();
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: tests,
  outdir,
  outbase: root,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  plugins: [ownImportMeta],
  logLevel: 'warning',
});
console.log(
  `Bundled ${tests.length} test files into ${relative(root, outdir)}/ in ${Math.round(performance.now() - started)} ms`,
);
