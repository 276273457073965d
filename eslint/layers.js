// The hub's layers and their one direction, checked by eslint (`npm run lint`, so CI fails on a wrong
// import). The map (src/README.md says it in words):
//   platform  the files directly in src/ (config.ts, log.ts, errors.ts, xml.ts, zeebe.ts, mail.ts,
//             city-clock.ts, private-files.ts, …), src/db/, src/api/ (http helpers), src/auth/ (identity and
//             the access check), src/export/
//   domain    every other folder of src/: cases, escalations, calendar, reference, assessment, attachments,
//             geography, procedures, incidents, enforcement, field, leader, …
//   http      route modules: src/**/routes.ts and src/**/<topic>-routes.ts, src/cases/actions/, src/ui/;
//             a domain file that imports src/api/route.ts (declares routes) is refused: rename or move it
//   app       composition: src/hub.ts, src/main.ts, src/engine-main.ts, src/app/ (route list, demo seed)
// A file imports its own layer or the ones below. workers/ and adapters/ use platform and domain (adapters
// also the job runtime of workers/); engine/ imports nothing of src/ but types. And no import cycles
// between src/workers/adapters files, nor between modules (a folder's files of one layer).
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const RANK = { platform: 0, domain: 1, http: 2, app: 3 };
const PLATFORM_DIRS = ['src/db/', 'src/api/', 'src/auth/', 'src/export/', 'src/generated/'];
const APP_FILES = new Set(['src/hub.ts', 'src/main.ts', 'src/engine-main.ts']);
/** A route module by its name: routes.ts or <topic>-routes.ts (src/README.md). */
const ROUTE_MODULE = /(^|[/-])routes\.ts$/;
/** Where routes are declared: importing it (not only its types) makes a file a route module. */
const ROUTE_DECLARATION = 'src/api/route.ts';

/** Layer of a repository path ('src/cases/routes.ts'), or null outside the checked code (tests, scripts). */
export function layerOf(rel) {
  const top = rel.split('/')[0];
  if (top === 'engine' || top === 'workers' || top === 'adapters') return top;
  if (top !== 'src') return null;
  if (APP_FILES.has(rel) || rel.startsWith('src/app/')) return 'app';
  if (ROUTE_MODULE.test(rel) || rel.startsWith('src/cases/actions/') || rel.startsWith('src/ui/'))
    return 'http';
  // Files directly in src/ (config, log, errors, …) are the platform's, but for the app's entry points.
  if (rel.split('/').length === 2 || PLATFORM_DIRS.some((d) => rel.startsWith(d))) return 'platform';
  return 'domain';
}

/** The module a file belongs to for the cycle check: its folder (or top-level file) and its layer. */
function moduleOf(rel) {
  const parts = rel.split('/');
  const unit = parts[0] === 'src' ? parts.slice(0, 2).join('/') : parts[0];
  return `${unit} (${layerOf(rel)})`;
}

/** Why `from` may not import `to` (both repository paths), or null when it may. */
export function refusal(from, to, typeOnly) {
  const a = layerOf(from);
  const b = layerOf(to);
  // The layers go by file names; this keeps a route module from passing as domain under another name
  // (a worker could then import it, and the http layer with it).
  if (a === 'domain' && to === ROUTE_DECLARATION && !typeOnly)
    return `${from} declares routes: name it routes.ts or <topic>-routes.ts (the http layer), or move them there`;
  if (!a || !b || a === b) return null;
  if (a === 'engine') return typeOnly ? null : 'engine/ imports nothing of src/ but types (`import type`)';
  if (b === 'engine')
    return a === 'app' ? null : 'only the app (src/hub.ts, src/engine-main.ts) starts the engine';
  if (a === 'workers' || a === 'adapters') {
    if (b === 'workers' && a === 'adapters') return null;
    if (b === 'platform' || b === 'domain') return null;
    return `${a}/ use the platform and domain layers only, not ${b === 'adapters' ? 'adapters/' : `the ${b} layer`} (${to})`;
  }
  if (b === 'workers' || b === 'adapters')
    return a === 'app'
      ? null
      : `src/ does not import ${b}/ (only the app composes them): move what ${to} shares into the domain`;
  if (RANK[b] > RANK[a])
    return `the ${a} layer does not import the ${b} layer (${to}): platform ← domain ← http ← app`;
  return null;
}

// --- the import graph, for cycles: built once per eslint run from the files on disk ------------------
const SPEC =
  /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;
let graph;

function walk(dir, out) {
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (e.name !== 'generated' && e.name !== 'node_modules') walk(rel, out);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Strongly connected components (Tarjan) of `edges`; returns node → component id for components of 2+. */
function cyclic(edges) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const component = new Map();
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const members = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        members.push(w);
      } while (w !== v);
      if (members.length > 1) for (const m of members) component.set(m, v);
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return component;
}

function buildGraph() {
  const files = new Map();
  const modules = new Map();
  const add = (map, a, b) => (map.get(a) ?? map.set(a, new Set()).get(a)).add(b);
  for (const from of ['src', 'workers', 'adapters'].flatMap((d) => walk(d, []))) {
    const text = fs.readFileSync(path.join(ROOT, from), 'utf8');
    for (const m of text.matchAll(SPEC)) {
      if (m[1]) continue; // type-only imports vanish at run time
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), m[2] ?? m[3]));
      if (!layerOf(to) || to.startsWith('engine/')) continue;
      add(files, from, to);
      if (moduleOf(from) !== moduleOf(to)) add(modules, moduleOf(from), moduleOf(to));
    }
  }
  return { files: cyclic(files), modules: cyclic(modules) };
}

function cycle(from, to) {
  graph ??= buildGraph();
  const sameFiles = graph.files.has(from) && graph.files.get(from) === graph.files.get(to);
  if (sameFiles) return `${from} and ${to} import each other (an import cycle)`;
  const [a, b] = [moduleOf(from), moduleOf(to)];
  if (a !== b && graph.modules.has(a) && graph.modules.get(a) === graph.modules.get(b))
    return `modules ${a} and ${b} import each other (an import cycle)`;
  return null;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the layers (platform ← domain ← http ← app) and form no cycle' },
    schema: [],
  },
  create(context) {
    const from = path.relative(ROOT, context.filename).split(path.sep).join('/');
    if (!layerOf(from)) return {};
    const check = (node, source, typeOnly) => {
      const spec = source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
      const why = refusal(from, to, typeOnly) ?? (typeOnly ? null : cycle(from, to));
      if (why) context.report({ node: source, message: why });
    };
    const typeOnly = (node) =>
      node.importKind === 'type' ||
      node.exportKind === 'type' ||
      (node.specifiers?.length > 0 &&
        node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node, node.source, typeOnly(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source, typeOnly(node)),
      ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source, false),
    };
  },
};

export default { rules: { imports: rule } };
