// The layer rule (eslint/layers.js) as `npm run lint` applies it: source text linted under a path in the
// repository, with the project's eslint config. Files that do not exist are fine: the rule reads paths.
import test from 'ava';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function layerMessages(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path });
  return result!.messages.filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

test('the layers go one way: a worker may import the domain, not a route module', async (t) => {
  t.deepEqual(
    await layerMessages('workers/probe.ts', "export { x } from '../src/cases/lifecycle.ts';\n"),
    [],
  );
  const [refused] = await layerMessages(
    'workers/probe.ts',
    "export { x } from '../src/cases/desk-routes.ts';\n",
  );
  t.regex(refused ?? '', /workers\/ use the platform and domain layers only, not the http layer/);
  // A type import is refused the same way: the direction is about knowledge, not only run-time code.
  t.deepEqual(await layerMessages('src/cases/probe.ts', "import type { x } from '../app/api.ts';\n"), [
    'the domain layer does not import the app layer (src/app/api.ts): platform ← domain ← http ← app',
  ]);
});

test('only routes.ts and <topic>-routes.ts are route modules by name; a domain file declaring routes is refused', async (t) => {
  // "reroutes.ts" is no route module: a domain file, which a worker may import.
  t.deepEqual(await layerMessages('workers/probe.ts', "export { x } from '../src/cases/reroutes.ts';\n"), []);
  t.deepEqual(
    await layerMessages('src/cases/reroutes.ts', "import type { Route } from '../api/route.ts';\n"),
    [],
  );
  t.deepEqual(
    await layerMessages('src/cases/reroutes.ts', "import { defineRoute } from '../api/route.ts';\n"),
    [
      'src/cases/reroutes.ts declares routes: name it routes.ts or <topic>-routes.ts (the http layer), or move them there',
    ],
  );
  t.deepEqual(
    await layerMessages('src/cases/probe-routes.ts', "import { defineRoute } from '../api/route.ts';\n"),
    [],
  );
});
