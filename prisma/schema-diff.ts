/**
 * Computes migration SQL between two Prisma schemas with Prisma's schema engine compiled to WebAssembly
 * (@prisma/schema-engine-wasm), without a database. The `prisma migrate` CLI needs a native engine
 * binary downloaded from binaries.prisma.sh at run time; the Wasm build ships on npm, so generating
 * migrations works wherever `npm ci` works.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DiffTarget } from '@prisma/schema-engine-wasm';
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
} from '@prisma/driver-adapter-utils';

export type Provider = 'sqlite' | 'postgresql';

type WasmExports = Record<string, unknown> & { __wbindgen_start(): void };
type Glue = typeof engineGlue & { __wbg_set_wasm(exports: WasmExports): void };
// The WebAssembly global exists in every supported Node, but this project compiles without the DOM lib
// that declares it; these are the two constructors we use.
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: Record<string, unknown>) => { exports: WasmExports };
  };
};

let loaded = false;
/** Instantiates the Wasm module once. The package's own entry imports the .wasm as an ES module, which
 * Node 20 cannot do without a flag, so we instantiate it ourselves with the package's JS glue. */
function loadEngine(): void {
  if (loaded) return;
  const require = createRequire(import.meta.url);
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const module = new wasm.Module(readFileSync(gluePath.replace(/\.js$/, '.wasm')));
  const instance = new wasm.Instance(module, { './schema_engine_bg.js': engineGlue });
  (engineGlue as Glue).__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  loaded = true;
}

// For PostgreSQL the engine asks the server for its version only to tell CockroachDB from PostgreSQL.
// We answer that one question with a fixed PostgreSQL 15 so that the generated SQL never depends on
// which server (if any) is reachable while generating; any other query is a bug we want to hear about.
const PG_VERSION_QUERY = /^SELECT EXISTS\(SELECT 1 FROM pg_namespace/;

function offlineConnection(provider: Provider): SqlDriverAdapter {
  const refuse = (what: string) => () =>
    Promise.reject(new Error(`schema diff is offline; the schema engine unexpectedly asked to ${what}`));
  return {
    provider: provider === 'sqlite' ? 'sqlite' : 'postgres',
    adapterName: 'chengguan-hub-offline',
    getConnectionInfo: () => ({ supportsRelationJoins: false }),
    queryRaw: async (query: SqlQuery) => {
      if (provider === 'postgresql' && PG_VERSION_QUERY.test(query.sql)) {
        return {
          columnNames: ['exists', 'version', 'numeric_version'],
          columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
          rows: [[true, 'PostgreSQL 15.0', 150000]],
        };
      }
      throw new Error(`schema diff is offline; the schema engine unexpectedly queried: ${query.sql}`);
    },
    executeRaw: refuse('execute SQL'),
    executeScript: refuse('run a script'),
    startTransaction: refuse('start a transaction'),
    dispose: () => Promise.resolve(),
  };
}

function offlineFactory(provider: Provider): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: provider === 'sqlite' ? 'sqlite' : 'postgres',
    adapterName: 'chengguan-hub-offline',
    connect: () => Promise.resolve(offlineConnection(provider)),
    connectToShadowDb: () => Promise.resolve(offlineConnection(provider)),
  };
}

/**
 * Returns the SQL script that turns a database shaped by `from` (or an empty one) into one shaped by
 * `to`, or null when they are the same. Both are complete Prisma schemas for `provider`.
 */
export async function diffSchemas(
  provider: Provider,
  from: string | null,
  to: string,
): Promise<string | null> {
  loadEngine();
  const engine = await engineGlue.SchemaEngine.new(
    { datamodels: [['schema.prisma', to]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(offlineFactory(provider)),
  );
  try {
    const target = (content: string): DiffTarget => ({
      tag: 'schemaDatamodel',
      files: [{ path: 'schema.prisma', content }],
    });
    const result = await engine.diff({
      from: from === null ? { tag: 'empty' } : target(from),
      to: target(to),
      script: true,
      exitCode: true,
      filters: { externalTables: [], externalEnums: [] },
    });
    // With exitCode requested the engine answers 2 when there is a difference, 0 when there is none.
    return result.exitCode === 2 ? (result.stdout ?? '') : null;
  } finally {
    engine.free();
  }
}
