/* global URL, console, process */
// Every package the production code imports (src, engine, workers, adapters) must be declared in
// `dependencies`: a devDependency that happens to be installed (or hoisted from another package) works on a
// developer's machine and breaks `npm ci --omit=dev`. Type-only imports are erased at run time and skipped.
// Run by `npm run lint`; exits 1 naming each file and package.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const declared = new Set(Object.keys(pkg.dependencies ?? {}));
const builtins = new Set(builtinModules);
const DIRS = ['src', 'engine', 'workers', 'adapters'];
const SKIP = new Set(['generated', 'node_modules']);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !/\.d\.ts$/.test(name)) yield path;
  }
}

// `import x from 'p'`, `import { a } from 'p'`, `export … from 'p'`, `import 'p'`, `import('p')`; not `import type`.
const STATIC = /^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const packageOf = (spec) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];

const problems = [];
for (const dir of DIRS)
  for (const file of files(join(root, dir))) {
    const text = readFileSync(file, 'utf8');
    for (const re of [STATIC, DYNAMIC])
      for (const m of text.matchAll(re)) {
        const spec = m[1];
        if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || builtins.has(spec))
          continue;
        const name = packageOf(spec);
        if (!declared.has(name))
          problems.push(`${file.slice(root.length)}: imports ${name}, not in dependencies`);
      }
  }
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`check-prod-deps: ${problems.length} production import(s) not declared in dependencies`);
  process.exit(1);
}
console.log('check-prod-deps: every production import resolves from dependencies');
