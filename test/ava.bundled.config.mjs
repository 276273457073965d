/* global process */
import { availableParallelism } from 'node:os';

/**
 * The configuration `npm test` runs with: the bundled test files that scripts/build-tests.mjs writes (no
 * TypeScript loader in the test processes). `npx ava test/x.test.ts` runs one file through tsx with the
 * configuration in package.json instead.
 *
 * With HUB_TEST_DB=postgres the files whose subject holds no database (pure logic, lint rules, file
 * formats) are left out, and so are the browser tests but two: the desk (a case through every role's
 * clicks) and the mobile app (field work, offline sync). A page reads the API, the same on either database,
 * and the API's own tests run on PostgreSQL in full. Two heavy files whose subject is not the store are
 * left out too: the role matrix (every route × every role: the access rule, read from the route list)
 * and the demo traffic (the simulators feeding a demo hub; the adapters' own files run on both).
 */
const sqliteOnly = [
  'adapters-demo-traffic',
  'adapters-photo-fetch',
  'api-matrix',
  'assessment-xlsx',
  'calendar',
  'calendar-properties',
  'calendar-statutory',
  'case-publish',
  'cases-lifecycle',
  'city-clock',
  'config',
  'engine-feel*',
  'eslint-layers',
  'export-csv',
  'geography-coords',
  'log-format',
  'operations-oauth',
  'processes-element-templates',
  'processes-lint',
  'ui-app-citizen',
  'ui-app-enforcement',
  'ui-app-leader',
  'ui-app-patrol',
  'ui-assessment',
  'ui-cases',
  'ui-components',
  'ui-designer',
  'ui-desk-locate',
  'ui-geo-import',
  'ui-map',
  'ui-operations-edit',
  'ui-parking',
  'ui-security-headers',
  'ui-shell',
  'ui-static',
  'ui-statistics',
  'ui-wall',
];

export default () => ({
  files: [
    '.test-build/test/**/*.test.mjs',
    ...(process.env.HUB_TEST_DB === 'postgres'
      ? sqliteOnly.map((name) => `!.test-build/test/${name}.test.mjs`)
      : []),
  ],
  // Two files per core: a test file spends much of its time waiting (a hub's start, the engine's timers and
  // job polls, Chromium), so at ava's default of one file per core the cores sat idle half of the time.
  concurrency: availableParallelism() * 2,
  timeout: '2m',
  workerThreads: false,
});
