import test from 'ava';
import { readFileSync } from 'node:fs';
import { ConfigError, configSchema, loadConfig } from '../src/config.ts';

test('defaults make a fresh machine work: SQLite under data/, embedded engine, UI on 127.0.0.1:3000', (t) => {
  const c = loadConfig({});
  t.is(c.DATABASE_URL, 'file:./data/hub.db');
  t.is(c.databaseProvider, 'sqlite');
  t.is(c.ENGINE_MODE, 'embedded');
  t.is(c.ZEEBE_ADDRESS, '127.0.0.1:26500');
  t.is(c.HUB_HOST, '127.0.0.1');
  t.is(c.HUB_PORT, 3000);
  t.true(c.SIMULATORS);
  t.false(c.ENGINE_CLOCK_CONTROL);
});

test('a postgres URL selects PostgreSQL', (t) => {
  t.is(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/hub' }).databaseProvider, 'postgresql');
});

test('a wrong value names the variable and what is allowed', (t) => {
  const err = t.throws(
    () => loadConfig({ HUB_PORT: 'eighty', ENGINE_MODE: 'cloud', DATABASE_URL: 'mysql://x' }),
    {
      instanceOf: ConfigError,
    },
  );
  t.deepEqual(err.issues.map((i) => i.variable).sort(), ['DATABASE_URL', 'ENGINE_MODE', 'HUB_PORT']);
  t.regex(err.message, /HUB_PORT: expected a TCP port number/);
  t.regex(err.message, /ENGINE_MODE: .*embedded.*external/);
  t.regex(err.message, /DATABASE_URL: expected file:<path> \(SQLite\) or postgres/);
});

test('0 is a setting where it means none or at once; below 0 and not a whole number are refused by name', (t) => {
  const zero = loadConfig({
    WORKER_RETRY_BACKOFF_MS: '0',
    AUTH_SESSION_CACHE_MS: '0',
    OPEN311_COORDINATE_DECIMALS: '0',
  });
  t.like(zero, { WORKER_RETRY_BACKOFF_MS: 0, AUTH_SESSION_CACHE_MS: 0, OPEN311_COORDINATE_DECIMALS: 0 });
  const err = t.throws(
    () =>
      loadConfig({
        WORKER_RETRY_BACKOFF_MS: '-1',
        AUTH_SESSION_CACHE_MS: 'soon',
        OPEN311_COORDINATE_DECIMALS: '2.5',
      }),
    { instanceOf: ConfigError },
  );
  t.regex(err.message, /WORKER_RETRY_BACKOFF_MS: expected 0 or more/);
  t.regex(err.message, /AUTH_SESSION_CACHE_MS: expected a number/);
  t.regex(err.message, /OPEN311_COORDINATE_DECIMALS: expected a whole number/);
  t.throws(() => loadConfig({ OPEN311_COORDINATE_DECIMALS: '7' }), {
    message: /OPEN311_COORDINATE_DECIMALS: expected 0\.\.6/,
  });
});

test('empty strings keep the default', (t) => {
  t.is(loadConfig({ HUB_PORT: '' }).HUB_PORT, 3000);
});

test('.env.example lists every variable', (t) => {
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  const listed = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
  t.deepEqual(listed, Object.keys(configSchema));
});

test('every value .env.example shows is one the configuration accepts, as the default it names', (t) => {
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  const shown = Object.fromEntries(
    [...example.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  t.true(Object.keys(shown).length > 50);
  // copying the file to .env changes nothing: each shown value parses to the default (but the simulators'
  // own events, whose default is off under tests only)
  const { SIMULATOR_EVENT_SECONDS, ...rest } = shown;
  t.is(SIMULATOR_EVENT_SECONDS, '20-60');
  t.deepEqual(loadConfig(rest), loadConfig({}));
});

test('parking guidance stays fresh within 30 s: cache max-age plus the memory refresh may not exceed it', (t) => {
  const c = loadConfig({});
  t.is(c.PARKING_GUIDANCE_MAX_AGE_SECONDS + c.PARKING_REFRESH_SECONDS, 15);
  t.is(c.PARKING_SILENCE_SECONDS, 300);
  const err = t.throws(
    () => loadConfig({ PARKING_GUIDANCE_MAX_AGE_SECONDS: '25', PARKING_REFRESH_SECONDS: '10' }),
    { instanceOf: ConfigError },
  );
  t.deepEqual(
    err.issues.map((i) => i.variable),
    ['PARKING_GUIDANCE_MAX_AGE_SECONDS'],
  );
  t.regex(err.message, /at most 30/);
  t.throws(() => loadConfig({ PARKING_HISTORY_MINUTES: '7' }), {
    message: /PARKING_HISTORY_MINUTES: a divisor of 60/,
  });
});
