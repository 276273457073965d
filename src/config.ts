/**
 * The hub's one configuration module. Every setting is an environment variable, parsed once with zod;
 * each has a description (shown in `.env.example` and in start-up errors) and a default that makes
 * `npm start` work on a fresh machine: SQLite under data/, the embedded engine, the simulators, the UI
 * on http://127.0.0.1:3000. Nothing else in the code base reads `process.env`.
 */
import { isTimeZone } from './city-clock.ts';
import { validate as isCronExpression } from 'node-cron';
import { z } from 'zod';

/** The legacy systems whose adapters create cases with positions (adapters/<name>). */
export const LEGACY_SOURCES = ['hotline', 'sanitation', 'video'] as const;
export type LegacySource = (typeof LEGACY_SOURCES)[number];
/** What a source may send; src/geography/coords.ts converts them (the hub stores WGS84). */
const SOURCE_COORDINATES = ['wgs84', 'cgcs2000', 'gcj02', 'bd09'] as const;
type SourceCoordinates = (typeof SOURCE_COORDINATES)[number];

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce
  .number({ message: 'expected a TCP port number' })
  .int('expected a whole number')
  .min(0, 'expected 0..65535')
  .max(65535, 'expected 0..65535');

const positiveInt = z.coerce
  .number({ message: 'expected a number' })
  .int('expected a whole number')
  .positive();

/** A whole number where 0 means none or at once (no cache, no back-off, no decimals). */
const nonNegativeInt = z.coerce
  .number({ message: 'expected a number' })
  .int('expected a whole number')
  .min(0, 'expected 0 or more');

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:26500');

/** Content types whose first bytes src/api/magic.ts recognises. */
const ATTACHMENT_TYPE_NAMES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'application/pdf'];

const databaseUrl = z.string().refine((v) => /^file:/.test(v) || /^postgres(ql)?:\/\//.test(v), {
  message: 'expected file:<path> (SQLite) or postgres://user@host:port/db (PostgreSQL)',
});

/** Declaration of every variable: schema, default, description. Order is the order of `.env.example`. */
export const configSchema = {
  // --- the hub's HTTP server -------------------------------------------------------------------
  HUB_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Address the HTTP server (API and admin UI) binds to.'),
  HUB_PORT: port.default(3000).describe('Port of the HTTP server (API and admin UI); 0 picks a free port.'),
  HUB_MAX_BODY_BYTES: positiveInt
    .default(1024 * 1024)
    .describe('Largest JSON request body the API accepts, in bytes (larger bodies get 413).'),
  HUB_TRUST_PROXY: bool
    .default(false)
    .describe(
      'Behind a reverse proxy: take the client address from X-Forwarded-For (login rate limit, logs).',
    ),
  HUB_TRUST_PROXY_HOPS: positiveInt
    .default(1)
    .describe(
      'With HUB_TRUST_PROXY: how many proxies in front of the hub append to X-Forwarded-For; the client is the address the outermost of them saw, whatever the client itself sent.',
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  LOG_FORMAT: z
    .enum(['auto', 'json', 'pretty'])
    .default('auto')
    .describe('Log lines: human-readable in a terminal and JSON otherwise (auto), or always json / pretty.'),
  DATA_DIR: z
    .string()
    .min(1)
    .default('data')
    .describe('Folder for the SQLite files, attachments and the generated secret.'),
  HUB_DATA_PERMISSIONS: z
    .enum(['fix', 'warn', 'refuse'])
    .default('fix')
    .describe(
      'What the hub and the engine do at start when DATA_DIR, a SQLite file (hub, engine, their -wal/-shm) or the generated secret is open to other users (the hub creates folders 0700, files 0600): fix — take group and other permissions away and log each path; warn — log each path; refuse — do not start, naming each path.',
    ),

  // --- attachments (src/attachments) -----------------------------------------------------------
  ATTACHMENT_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Folder of uploaded photos and files, stored by sha256; default DATA_DIR/attachments.'),
  ATTACHMENT_MAX_BYTES: positiveInt
    .default(10 * 1024 * 1024)
    .describe('Largest uploaded file, in bytes (a larger one gets 413 naming the file).'),
  ATTACHMENT_MAX_FILES: positiveInt.default(9).describe('Most files one request may upload (more get 413).'),
  ATTACHMENT_TYPES: z
    .string()
    .default('image/jpeg,image/png,image/webp,image/heic,application/pdf')
    .refine(
      (v) => v.split(',').every((t) => ATTACHMENT_TYPE_NAMES.includes(t.trim())),
      `expected a comma-separated list of: ${ATTACHMENT_TYPE_NAMES.join(', ')}`,
    )
    .describe(
      'Comma-separated content types accepted for uploads, judged by the file’s first bytes, not its declared type (others get 415).',
    ),

  // --- the case store --------------------------------------------------------------------------
  DATABASE_URL: databaseUrl
    .default('file:./data/hub.db')
    .describe('Case store: file:<path> for SQLite, postgres://… for PostgreSQL. Migrations apply on start.'),
  HUB_SEED_DEMO: bool
    .default(true)
    .describe('Load the Rugao demo data (departments, categories, grid, users) when the database is empty.'),
  CASE_NUMBER_PREFIX: z
    .string()
    .regex(/^[A-Z]{1,8}$/, 'expected 1–8 capital letters, e.g. RG')
    .default('RG')
    .describe(
      'First part of case numbers (<prefix>-<year>-<6-digit sequence of the year>, e.g. RG-2026-000123).',
    ),
  HUB_DEMO_PASSWORD: z
    .string()
    .min(8, 'expected at least 8 characters')
    .optional()
    .describe(
      'Password of the demo users; when unset a random one is generated once into DATA_DIR/demo-password.',
    ),

  // --- authentication --------------------------------------------------------------------------
  AUTH_SECRET: z
    .string()
    .min(32, 'expected at least 32 characters')
    .optional()
    .describe(
      'Key that signs session tokens; when unset a random one is generated once into DATA_DIR/secret.',
    ),
  AUTH_TOKEN_TTL_SECONDS: positiveInt
    .default(8 * 3600)
    .describe('Lifetime of a login session token, in seconds.'),
  AUTH_LOGIN_MAX_ATTEMPTS: positiveInt
    .default(10)
    .describe('Failed logins allowed per user name and client address within AUTH_LOGIN_WINDOW_SECONDS.'),
  AUTH_LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: positiveInt
    .default(50)
    .describe('Failed logins allowed per user name from all addresses within AUTH_LOGIN_WINDOW_SECONDS.'),
  AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS: positiveInt
    .default(100)
    .describe(
      'Failed logins allowed per client address for all user names within AUTH_LOGIN_WINDOW_SECONDS.',
    ),
  AUTH_LOGIN_WINDOW_SECONDS: positiveInt.default(300).describe('Window of the login rate limit, in seconds.'),
  AUTH_PASSWORD_MIN_LENGTH: positiveInt
    .min(10, 'expected at least 10')
    .default(10)
    .describe(
      'Shortest password (characters) for a user created or given a new password through the API or the admin UI; the password must also not contain the user name nor be a common password.',
    ),
  AUTH_PASSWORD_MIN_SCORE: z.coerce
    .number({ message: 'expected a number' })
    .int('expected a whole number')
    .min(0, 'expected 0..4')
    .max(4, 'expected 0..4')
    .default(3)
    .describe(
      'Least strength of such a password as zxcvbn estimates it, 0–4 (3: about 10^8 guesses and more, safe against guessing online and slowed down offline by the scrypt hash).',
    ),
  AUTH_SESSION_CACHE_MS: nonNegativeInt
    .default(5000)
    .describe(
      'How long a hub instance remembers a valid session (its user and roles) instead of reading it on every request; a logout or a user change on another instance takes effect within this time. 0: read on every request.',
    ),

  // --- the engine ------------------------------------------------------------------------------
  ENGINE_MODE: z
    .enum(['embedded', 'external'])
    .default('embedded')
    .describe(
      'embedded: start our Zeebe-compatible engine in the hub; external: use ZEEBE_ADDRESS or Camunda SaaS.',
    ),
  ZEEBE_ADDRESS: hostPort
    .default('127.0.0.1:26500')
    .describe('Zeebe gateway address; the embedded engine listens here, the workers connect here.'),
  ZEEBE_CLIENT_ID: z.string().optional().describe('OAuth client id for a secured Camunda 8 cluster.'),
  ZEEBE_CLIENT_SECRET: z.string().optional().describe('OAuth client secret for a secured Camunda 8 cluster.'),
  ZEEBE_AUTHORIZATION_SERVER_URL: z
    .url()
    .optional()
    .describe('OAuth token URL for a secured Camunda 8 cluster.'),
  ZEEBE_TOKEN_AUDIENCE: z.string().optional().describe('OAuth audience for a secured Camunda 8 cluster.'),
  ZEEBE_SECURE: bool.default(false).describe('Use TLS to reach the Zeebe gateway.'),
  ENGINE_AUTH_TOKEN: z
    .string()
    .min(32, 'expected at least 32 characters (e.g. openssl rand -hex 32)')
    .optional()
    .describe(
      'Bearer token of the embedded engine: its gateway, REST API and clock endpoints answer only requests carrying it, and the hub sends it. Required to listen on an address other machines can reach (ZEEBE_ADDRESS beyond 127.0.0.1); a secret, so set it in the environment, not in a file in the repository.',
    ),
  ENGINE_DATABASE_URL: databaseUrl
    .default('file:./data/engine.db')
    .describe('Embedded engine state: file:<path> for SQLite, postgres://… for PostgreSQL.'),
  ENGINE_TLS_CERT: z
    .string()
    .optional()
    .describe('PEM certificate file; when set with ENGINE_TLS_KEY the gateway serves TLS.'),
  ENGINE_TLS_KEY: z.string().optional().describe('PEM private key file for ENGINE_TLS_CERT.'),
  ENGINE_CLOCK_CONTROL: bool
    .default(false)
    .describe(
      'Allow pinning and moving the engine clock (tests and demos only, like Zeebe’s clock actuator).',
    ),
  ENGINE_MANAGEMENT_PORT: port
    .default(9600)
    .describe(
      'Engine management HTTP port (host of ZEEBE_ADDRESS): /actuator/health, and /actuator/clock when ENGINE_CLOCK_CONTROL is on.',
    ),
  ENGINE_REST_PORT: port
    .optional()
    .describe(
      'Port of the embedded engine’s REST API (a subset of Camunda 8.8’s v2 API; Camunda uses 8080); when unset it is served on ENGINE_MANAGEMENT_PORT.',
    ),
  CAMUNDA_REST_ADDRESS: z
    .url()
    .optional()
    .describe(
      'With ENGINE_MODE external: base URL of the Camunda 8 cluster’s REST API (without /v2), reached with the ZEEBE_ CLIENT_ID/SECRET OAuth settings; the embedded engine’s is used otherwise.',
    ),
  ENGINE_HISTORY_RETENTION_DAYS: positiveInt
    .optional()
    .describe(
      'Embedded engine: days the history of an ended process instance is kept (its element instances, incidents and feed events, with its called instances); the engine then deletes it in small batches, and the REST API no longer lists it (the case and its timeline stay in the hub). Unset keeps everything.',
    ),
  ENGINE_FEEL_MAX_STEPS: positiveInt
    .default(1_000_000)
    .describe(
      'Embedded engine: budget of one FEEL evaluation in steps (function calls, elements iterated, values converted); over it the evaluation fails with an incident naming the budget.',
    ),
  ENGINE_FEEL_MAX_LIST_SIZE: positiveInt
    .default(100_000)
    .describe(
      'Embedded engine: most elements of one list in a FEEL evaluation (a range iterated, a list given to or returned by a function); checked before a range is built.',
    ),
  ENGINE_FEEL_MAX_STRING_LENGTH: positiveInt
    .default(1_000_000)
    .describe(
      'Embedded engine: most characters of one string given to or returned by a FEEL function, or returned by an expression.',
    ),
  ENGINE_FEEL_MAX_TIME_MS: positiveInt
    .default(1000)
    .describe('Embedded engine: wall time of one FEEL evaluation, in milliseconds.'),
  ENGINE_TIMER_MIN_CYCLE_SECONDS: positiveInt
    .default(10)
    .describe(
      'Embedded engine: shortest interval of a timer cycle, in seconds. A static cycle below it is refused at deploy time (lint warns first), one computed by FEEL raises an incident.',
    ),
  ENGINE_TIMER_MAX_CYCLE_LAG_SECONDS: positiveInt
    .default(60)
    .describe(
      'Embedded engine: how far a timer cycle may run behind, in seconds; occurrences missed by more (downtime, a backlog) are skipped, not caught up one by one.',
    ),
  ENGINE_CRASH_QUARANTINE_AFTER: positiveInt
    .default(2)
    .describe(
      'Embedded engine: times the process may die while applying the same due timer before, at the next start, it raises an incident instead of being applied again (no crash loop).',
    ),
  ENGINE_MAX_MULTI_INSTANCE: positiveInt
    .default(10_000)
    .describe(
      'Embedded engine: most elements of a multi-instance input collection; more raises an incident naming this setting.',
    ),
  ENGINE_MAX_CALL_DEPTH: positiveInt
    .default(64)
    .describe(
      'Embedded engine: most nested called instances (a process calling itself); a deeper call raises an incident.',
    ),
  ENGINE_MAX_ACTIVATIONS_PER_COMMAND: positiveInt
    .default(50_000)
    .describe(
      'Embedded engine: elements one step may activate; past it each further element is held with an incident (a loop without a wait state cannot run for ever).',
    ),
  ENGINE_THREAD: bool
    .default(true)
    .describe(
      'Embedded engine: run it in a worker thread of its own, so costly procedures do not hold up the API (20 evaluations of a 50,000-element list: 0.55–1.8 s of API stall in-process, 64–71 ms in its thread; bench/engine-stall.ts). false: in the hub’s own thread.',
    ),
  ENGINE_MAX_MESSAGE_BYTES: positiveInt
    .default(4 * 1024 * 1024)
    .describe('Largest gRPC message the gateway accepts (deployments included), in bytes.'),
  CASE_MESSAGE_TTL_SECONDS: positiveInt
    .default(300)
    .describe(
      'Time to live of the case messages the API publishes: an action taken before its wait opens (a department signing while the dispatch job still runs) is buffered this long.',
    ),
  CASE_OUTBOX_RETRY_MS: positiveInt
    .default(5000)
    .describe(
      'How often the hub re-sends case messages the engine did not take (outbox rows of adapter engine), and the first back-off after a failed send, in ms.',
    ),
  CASE_PUBLISH_TIMEOUT_MS: positiveInt
    .default(5000)
    .describe(
      'How long the API waits for the engine to take a case message before answering 503 (the action stays recorded and the message is re-sent).',
    ),
  CASE_START_CLAIM_MS: positiveInt
    .default(15000)
    .describe(
      'How long one attempt to start a new case’s procedure holds its start intent (src/cases/start.ts), in ms: after a crash the reconciler takes the intent over once this has passed, looks the instance up by caseId and creates it only if none exists. Keep it above CASE_PUBLISH_TIMEOUT_MS (and, on a Camunda 8 cluster, above its search index lag).',
    ),

  // --- the working-time calendar ---------------------------------------------------------------
  CALENDAR_TIMEZONE: z
    .string()
    .refine(isTimeZone, 'expected an IANA time zone name such as Asia/Shanghai')
    .default('Asia/Shanghai')
    .describe('Time zone of the work calendar (IANA name).'),

  // --- mail ------------------------------------------------------------------------------------
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'expected smtp://host:port or smtps://user:pass@host:port')
    .optional()
    .describe('SMTP server for 催办 and assessment mails; when unset mails are logged, not sent.'),
  MAIL_FROM: z.string().default('chengguan-hub <hub@localhost>').describe('Sender of the hub’s mails.'),
  ASSESSMENT_RECIPIENTS: z
    .string()
    .default('')
    .describe('Comma-separated addresses that receive the assessment report.'),
  ASSESSMENT_SCHEDULE: z
    .string()
    .default('0 2 1 * *')
    .refine(
      (v) => v.trim() === 'off' || isCronExpression(v.trim()),
      'expected a cron expression (e.g. "0 2 1 * *") or off',
    )
    .describe(
      'node-cron expression (in CALENDAR_TIMEZONE) of the periodic assessment, mailed to ASSESSMENT_RECIPIENTS (default: 02:00 on the 1st, monthly; e.g. "0 2 * * 1" weekly, "0 2 * * *" daily); off disables it.',
    ),
  ASSESSMENT_PERIOD: z
    .enum(['month', 'week', 'day'])
    .default('month')
    .describe(
      'What a scheduled assessment reports on: the last complete calendar month, ISO week or day before it fires.',
    ),
  STATISTICS_ROLLUP_INTERVAL_MS: positiveInt
    .default(30_000)
    .describe(
      'How often the statistics rows (统计分析) are brought up to date with the cases written since, ms: the figures are at most about this old.',
    ),

  // --- workers (workers/) ----------------------------------------------------------------------
  WORKER_MAX_JOBS_ACTIVE: positiveInt
    .default(8)
    .describe('Jobs one worker (one per job type) works on at a time.'),
  WORKER_JOB_TIMEOUT_MS: positiveInt
    .default(60_000)
    .describe('How long the engine gives a worker to finish a job before handing it to another, in ms.'),
  WORKER_RETRY_BACKOFF_MS: nonNegativeInt
    .default(10_000)
    .describe(
      'Back-off before the engine offers a job again after a transient failure, in ms (0: at once). The back-off runs on the engine clock, so it never ends while that clock is pinned.',
    ),
  DEADLINE_WARN_FRACTION: z.coerce
    .number({ message: 'expected a number' })
    .gt(0)
    .lt(1)
    .default(0.8)
    .describe(
      'Share of a stage\u2019s time limit after which the department is warned (催办) and 督办 starts.',
    ),
  CALLBACK_WINDOW_MINUTES: positiveInt
    .default(960)
    .describe('Working minutes after 结案 within which a hotline case is called back (回访).'),
  CITIZEN_REPORTS_PER_DEVICE_DAY: positiveInt
    .default(10)
    .describe('市民通: reports one device may make in 24 hours (429 beyond).'),
  CITIZEN_REPORTS_PER_ADDRESS_DAY: positiveInt
    .default(30)
    .describe('市民通: reports from one client address in 24 hours, whatever the device (429 beyond).'),
  CITIZEN_NEARBY_METERS: positiveInt
    .default(1000)
    .describe('市民通: how far around a point 附近的反映 looks, in metres.'),
  ENFORCEMENT_RECTIFY_DAYS: positiveInt
    .default(3)
    .describe('Working days a 责令整改 order gives when the enforcement officer names no period (执法通).'),
  ESCALATION_DECISION_MINUTES: positiveInt
    .default(60)
    .describe('Working minutes a 督办 level has to decide before the inbox item goes up a level.'),
  ESCALATION_TOP_LEVEL: positiveInt
    .default(2)
    .describe('Highest 督办 level: 1 = shift leaders (值班长), 2 = leaders (领导).'),
  DUPLICATE_WINDOW_MINUTES: positiveInt
    .default(30)
    .describe(
      'A report in the same grid cell and category as an open case reported this many minutes before is merged into it.',
    ),
  DUPLICATE_CANDIDATE_METERS: positiveInt
    .default(200)
    .describe(
      'The desk lists open cases of the same category within this many metres as duplicate candidates (合并).',
    ),
  DUPLICATE_CANDIDATE_HOURS: positiveInt
    .default(24)
    .describe('… and reported within this many hours before or after the case (duplicate candidates).'),
  DESK_FEED_WAIT_SECONDS: positiveInt
    .default(20)
    .describe(
      'The desk’s change feed (GET /api/desk/changes) answers at the latest after this many seconds without a change.',
    ),
  PATROL_POSITION_SECONDS: positiveInt
    .default(30)
    .describe('城管通: seconds between the patrol positions a supervisor on duty records (watchPosition).'),
  PATROL_MAX_ACCURACY_M: positiveInt
    .default(100)
    .describe(
      '城管通: positions less accurate than this many metres are kept in the track but not counted in 巡查里程.',
    ),
  HUB_PUBLIC_URL: z
    .url()
    .default('http://127.0.0.1:3000')
    .describe('Address people open the hub at; links in mails (reports, inbox items) start with it.'),

  // --- geography (src/geography) ------------------------------------------------------------------
  GEO_EXTENT: z
    .string()
    .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/, 'expected minLng,minLat,maxLng,maxLat (WGS84 degrees)')
    .default('120.2,32.0,120.9,32.6')
    .transform((v) => {
      const [minLng, minLat, maxLng, maxLat] = v.split(',').map(Number) as [number, number, number, number];
      return { minLng, minLat, maxLng, maxLat };
    })
    .describe(
      'The city with a margin, WGS84 minLng,minLat,maxLng,maxLat: imported geometry must lie inside it (a position outside is refused: wrong coordinate system, or latitude and longitude swapped). Default: Rugao (如皋市).',
    ),
  GEO_IMPORT_MAX_BYTES: positiveInt
    .default(64 * 1024 * 1024)
    .describe(
      'Largest geography import (POST /api/geo/imports: a GeoJSON or CSV file of the gazetteer, the grid or the components, sent as JSON), bytes.',
    ),
  GEOCODE_MIN_CONFIDENCE: z.coerce
    .number({ message: 'expected a number' })
    .min(0)
    .max(1)
    .default(0.6)
    .describe(
      'An address placed with less confidence (0..1) than this is not trusted: the case waits for a person to place it (定位修复) instead of being located.',
    ),

  // --- adapters and demo -----------------------------------------------------------------------
  SIMULATORS: bool.default(true).describe('Start the legacy-system simulators (demo mode) with the hub.'),
  SIMULATOR_EVENT_SECONDS: z
    .string()
    .regex(/^(off|\d+(\.\d+)?(-\d+(\.\d+)?)?)$/, 'expected off, seconds (30) or a range of seconds (20-60)')
    .refine(
      (v) => {
        if (v === 'off') return true;
        const [min, max = min] = v.split('-').map(Number) as [number, number?];
        return min > 0 && max >= min;
      },
      { message: 'expected a range min-max with 0 < min <= max' },
    )
    // A test hub must not see events it did not make: AVA runs tests with NODE_ENV=test.
    .default(process.env.NODE_ENV === 'test' ? 'off' : '20-60')
    .describe(
      'Demo traffic with SIMULATORS: the simulated systems send a 12319 ticket, a video alarm, a full bin or a utility crew’s progress every this many seconds (a range picks a random time in it); off stops it. The default is off under the test runner (NODE_ENV=test).',
    ),
  ADAPTER_OUTBOX_MAX_ATTEMPTS: positiveInt
    .default(12)
    .describe('Delivery attempts of a message to a legacy system before it is dead-lettered (replayable).'),
  ADAPTER_OUTBOX_BACKOFF_MS: positiveInt
    .default(2000)
    .describe(
      'Wait after the first failed delivery to a legacy system, ms; it doubles per attempt (with jitter) up to ADAPTER_OUTBOX_MAX_BACKOFF_MS.',
    ),
  ADAPTER_OUTBOX_MAX_BACKOFF_MS: positiveInt
    .default(5 * 60_000)
    .describe('Longest wait between two delivery attempts to a legacy system, ms.'),
  ADAPTER_OUTBOX_INTERVAL_MS: positiveInt
    .default(1000)
    .describe('How often the outbox deliverer looks for messages due to legacy systems, ms.'),
  ADAPTER_OUTBOX_CONCURRENCY: positiveInt
    .default(8)
    .describe(
      'Deliveries to one legacy system running at once (each for a different case; a case’s own messages go in order).',
    ),
  ADAPTER_LEASE_MS: positiveInt
    .default(30_000)
    .describe(
      'Lease time of adapter pollers, consumers and deliverers: another hub process takes over this long after one dies, ms.',
    ),
  ADAPTER_FETCH_ALLOWED_HOSTS: z
    .string()
    .optional()
    .describe(
      'Comma-separated hosts (host, host:port or *.domain) the adapters may fetch photos from (video snapshots, bin and disposal photos); unset: the hosts of the configured legacy systems (VIDEO_PLATFORM_URL, SANITATION_ENGINE_URL, UTILITY_*_URL or their simulators).',
    ),
  ADAPTER_FETCH_ALLOW_PRIVATE: bool
    .optional()
    .describe(
      'Let the adapters fetch photos from loopback, private and link-local addresses; unset: only with SIMULATORS (they listen on 127.0.0.1).',
    ),
  ADAPTER_FETCH_TIMEOUT_MS: positiveInt
    .default(10_000)
    .describe(
      'Deadline of one photo fetch from a legacy system, ms (the size limit is ATTACHMENT_MAX_BYTES).',
    ),
  ADAPTER_COORDINATE_SYSTEMS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v?.trim()) return undefined;
      const out: Partial<Record<LegacySource, SourceCoordinates>> = {};
      for (const pair of v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [name, crs] = pair.split('=').map((p) => p.trim()) as [string, string | undefined];
        if (!(LEGACY_SOURCES as readonly string[]).includes(name))
          ctx.addIssue({
            code: 'custom',
            message: `unknown legacy source "${name}" (one of ${LEGACY_SOURCES.join(', ')}; Open311 is WGS84 by its specification)`,
          });
        else if (!crs || !(SOURCE_COORDINATES as readonly string[]).includes(crs))
          ctx.addIssue({
            code: 'custom',
            message: `"${pair}": expected ${name}=${SOURCE_COORDINATES.join('|')}`,
          });
        else out[name as LegacySource] = crs as SourceCoordinates;
      }
      return out;
    })
    .describe(
      "The coordinate system each legacy source sends, e.g. `hotline=gcj02,sanitation=bd09` (wgs84, cgcs2000, gcj02 or bd09; a source not named sends WGS84). Positions of incoming cases are converted to the hub's WGS84 on the way in.",
    ),
  ADAPTER_WEBHOOK_TOLERANCE_SECONDS: positiveInt
    .default(300)
    .describe(
      'Replay window of signed webhooks: a request whose X-Hub-Timestamp is further from now is refused (401).',
    ),
  HOTLINE_URL: z
    .url()
    .optional()
    .describe(
      'Base URL of the 12319 hotline system’s API (tickets to poll, status updates, replies, 回访); unset with SIMULATORS: the simulator; unset without: the hotline adapter neither polls nor delivers (its health says so).',
    ),
  HOTLINE_API_KEY: z
    .string()
    .min(16, 'expected at least 16 characters')
    .optional()
    .describe(
      'Bearer token the hub presents to the hotline system; with SIMULATORS and unset, a random one is shared with the simulator.',
    ),
  HOTLINE_WEBHOOK_SECRET: z
    .string()
    .min(16, 'expected at least 16 characters')
    .optional()
    .describe(
      'HMAC-SHA256 key of the hotline’s ticket webhook; with SIMULATORS and unset, a random one is shared with the simulator; otherwise unset refuses every webhook.',
    ),
  HOTLINE_POLL_INTERVAL_MS: positiveInt
    .default(60_000)
    .describe(
      'How often the hub polls the hotline for tickets (the fallback when a webhook push was lost), ms.',
    ),
  HOTLINE_SIMULATOR_PORT: port
    .default(3101)
    .describe('Port of the 12319 hotline simulator started with SIMULATORS (0 picks a free one).'),
  OPEN311_JURISDICTION_ID: z
    .string()
    .min(1)
    .default('rugao.gov.cn')
    .describe('Open311 GeoReport v2 jurisdiction_id of this hub (discovery, requests).'),
  OPEN311_PUBLISH_SOURCES: z
    .string()
    .default('open311,public')
    .refine(
      (v) =>
        v === '' ||
        v
          .split(',')
          .every((s) =>
            [
              'supervisor',
              'hotline',
              'public',
              'video',
              'sanitation',
              'utility',
              'open311',
              'other',
            ].includes(s.trim()),
          ),
      'expected a comma-separated list of case sources (supervisor, hotline, public, video, sanitation, utility, open311, other)',
    )
    .describe(
      'Case sources the public Open311 request list and lookups show (police video alarms, 12319 complaints and supervisor reports stay internal by default).',
    ),
  OPEN311_COORDINATE_DECIMALS: nonNegativeInt
    .max(6, 'expected 0..6')
    .default(3)
    .describe('Decimals of lat/long in public Open311 answers (3 ≈ 100 m; 6 is the exact stored position).'),
  OPEN311_FIELDS: z
    .string()
    .default('description,address,agency_responsible,status_notes,expected_datetime,media_url')
    .refine(
      (v) =>
        v === '' ||
        v
          .split(',')
          .every((s) =>
            [
              'description',
              'address',
              'agency_responsible',
              'status_notes',
              'expected_datetime',
              'media_url',
            ].includes(s.trim()),
          ),
      'expected a comma-separated list of: description, address, agency_responsible, status_notes, expected_datetime, media_url',
    )
    .describe(
      'Optional request fields public Open311 answers carry; the others are answered null (ids, service, status, dates and rounded lat/long always).',
    ),
  SANITATION_MQTT_URL: z
    .string()
    .regex(/^mqtts?:\/\//, 'expected mqtt://host:port or mqtts://user:pass@host:port')
    .default('mqtt://127.0.0.1:1883')
    .describe('MQTT broker of the 智慧环卫 platform (device readings and alarms).'),
  SANITATION_TOPIC_PREFIX: z
    .string()
    .regex(/^[\w./-]+$/, 'letters, digits and _ . / -')
    .default('rugao/sanitation')
    .describe('Topic prefix of the platform’s devices: <prefix>/devices/<deviceId>/telemetry.'),
  SANITATION_MQTT_CLIENT_ID: z
    .string()
    .min(1)
    .optional()
    .describe(
      'MQTT client id of the hub’s persistent session (QoS 1 messages wait for the hub across restarts); unset: a new id per start (no persistence).',
    ),
  SANITATION_ENGINE_URL: z
    .url()
    .optional()
    .describe(
      'Camunda 7 REST base of the platform’s engine (…/engine-rest): work orders and external tasks; unset with SIMULATORS: the simulator.',
    ),
  SANITATION_DEBOUNCE_SECONDS: positiveInt
    .default(300)
    .describe('A device reading must stay above its threshold this long before a case opens, seconds.'),
  SANITATION_DEPARTMENT_CODE: z
    .string()
    .default('D19')
    .describe('Department code whose dispatched cases become work orders on the sanitation platform.'),
  PARKING_MQTT_URL: z
    .string()
    .regex(/^mqtts?:\/\//, 'expected mqtt://host:port or mqtts://user:pass@host:port')
    .default('mqtt://127.0.0.1:1883')
    .describe('MQTT broker of the parking system (停车诱导): plate-recognition passes and lot heartbeats.'),
  PARKING_TOPIC_PREFIX: z
    .string()
    .regex(/^[\w./-]+$/, 'letters, digits and _ . / -')
    .default('rugao/parking')
    .describe(
      'Topic prefix of the parking system: <prefix>/lots/<lotCode>/passes and <prefix>/lots/<lotCode>/heartbeat.',
    ),
  PARKING_MQTT_CLIENT_ID: z
    .string()
    .min(1)
    .optional()
    .describe(
      'MQTT client id of the hub’s persistent session with the parking system; unset: a new id per start (no persistence).',
    ),
  PARKING_FEED: bool
    .default(true)
    .describe(
      'Run the parking adapter (subscribe to PARKING_MQTT_URL); false: the guidance shows every lot 未知.',
    ),
  PARKING_DEBOUNCE_SECONDS: positiveInt
    .max(600, 'at most 600 seconds')
    .default(10)
    .describe(
      'A second read of the same plate in the same direction at the same lot within this many seconds is the camera seeing the car twice: counted once.',
    ),
  PARKING_SILENCE_SECONDS: positiveInt
    .default(300)
    .describe(
      'A lot whose system sent nothing (pass or heartbeat) for this many seconds is shown 未知 (unknown), not full.',
    ),
  PARKING_GUIDANCE_MAX_AGE_SECONDS: positiveInt
    .default(10)
    .describe(
      'Cache-Control max-age of the public guidance API, seconds (signs and apps may reuse an answer this long).',
    ),
  PARKING_REFRESH_SECONDS: positiveInt
    .default(5)
    .describe(
      'The guidance API answers from memory, reloaded from the database this often (lots counted by another hub process); with PARKING_GUIDANCE_MAX_AGE_SECONDS at most 30, so a sign never shows a count older than 30 s.',
    ),
  PARKING_FEW_PERCENT: z.coerce
    .number({ message: 'expected a number' })
    .min(0)
    .max(100)
    .default(10)
    .describe('A lot or area with at most this share of its spaces free is shown 紧张 (few left), percent.'),
  PARKING_HISTORY_MINUTES: positiveInt
    .refine((m) => 60 % m === 0, 'a divisor of 60 (1, 2, 3, 5, 10, 15, 30, 60)')
    .default(5)
    .describe('Occupancy history is kept as one row per lot per this many minutes.'),
  PARKING_HISTORY_DAYS: positiveInt
    .default(400)
    .describe('Occupancy history older than this many days is deleted.'),
  VIDEO_WEBHOOK_SECRET: z
    .string()
    .min(16, 'expected at least 16 characters')
    .optional()
    .describe(
      'HMAC-SHA256 key of the police video alarm webhook; with SIMULATORS and unset, a random one is shared with the simulator; otherwise unset refuses every alarm.',
    ),
  VIDEO_PLATFORM_URL: z
    .url()
    .optional()
    .describe(
      'HTTP base of the police video platform (snapshots, speaker columns); unset with SIMULATORS: the simulator.',
    ),
  VIDEO_MERGE_WINDOW_MINUTES: positiveInt
    .default(30)
    .describe(
      'A repeat alarm of the same camera and category within this many minutes merges into the open case.',
    ),
  UTILITY_WATER_URL: z
    .url()
    .optional()
    .describe('Work-order API of the water company (供水); unset with SIMULATORS: the simulator.'),
  UTILITY_GAS_URL: z
    .url()
    .optional()
    .describe('Work-order API of the gas company (供气); unset with SIMULATORS: the simulator.'),
  UTILITY_POWER_URL: z
    .url()
    .optional()
    .describe('Work-order API of the power company (供电); unset with SIMULATORS: the simulator.'),
  UTILITY_POWER_CSV_DIR: z
    .string()
    .optional()
    .describe(
      'Folder the power company drops its daily status CSV files in; unset: DATA_DIR/utilities/power.',
    ),
  UTILITY_POLL_INTERVAL_MS: positiveInt
    .default(30_000)
    .describe('How often the hub polls the utilities’ status feeds and the CSV folder, ms.'),
  PIPELINE_NOTICE_DISTANCE_M: positiveInt
    .default(30)
    .describe(
      'A 施工/挖掘 case within this many metres of an underground pipeline tells the line’s owner when it is dispatched.',
    ),
  PIPELINE_NOTICE_CATEGORIES: z
    .string()
    .default('0304')
    .refine(
      (v) => v === '' || v.split(',').every((c) => /^\d{4}$/.test(c.trim())),
      'expected comma-separated 4-digit event category codes (e.g. 0304)',
    )
    .describe(
      'Event categories of digging work (施工/挖掘) whose cases tell the owners of pipelines near them; empty: none.',
    ),
  ADMIN_UI: bool.default(true).describe('Serve the admin UI at /.'),
  MAP_STYLE_URL: z
    .url()
    .optional()
    .describe(
      'A MapLibre style document for the base map (the city’s GIS server); its coordinates must be ' +
        'WGS84/CGCS2000, as the hub’s. Unset with MAP_TILE_URL unset: the hub’s own data with the bundled style, no internet.',
    ),
  MAP_TILE_URL: z
    .string()
    .regex(/^https?:\/\/.*\{z\}.*$/, 'an http(s) URL template with {z}, {x} and {y}')
    .refine((u) => u.includes('{x}') && u.includes('{y}'), 'an http(s) URL template with {z}, {x} and {y}')
    .optional()
    .describe(
      'Raster base-map tiles, e.g. 天地图 WMTS (…/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec&TILEMATRIXSET=w' +
        '&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=…); used when MAP_STYLE_URL is unset.',
    ),
  MAP_TILE_ATTRIBUTION: z
    .string()
    .optional()
    .describe('The base-map tiles’ attribution shown on the map, e.g. 天地图 审图号.'),
} as const;

const schema = z.object(configSchema);

/** The parsed configuration. */
export type Config = z.infer<typeof schema> & {
  /** Which database family DATABASE_URL names. */
  databaseProvider: 'sqlite' | 'postgresql';
  /** Which database family ENGINE_DATABASE_URL names. */
  engineDatabaseProvider: 'sqlite' | 'postgresql';
};

/** Thrown when the environment does not parse; the message names every bad variable and what is allowed. */
export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super('Invalid configuration:\n' + issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

const providerOf = (url: string): 'sqlite' | 'postgresql' =>
  url.startsWith('file:') ? 'sqlite' : 'postgresql';

/**
 * Parses the configuration from an environment (process.env by default). Empty strings count as unset,
 * so a blank line in `.env` keeps the default.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(root)'),
        message: issue.message,
      })),
    );
  }
  const c = parsed.data;
  if ((c.ENGINE_TLS_CERT === undefined) !== (c.ENGINE_TLS_KEY === undefined)) {
    throw new ConfigError([
      { variable: 'ENGINE_TLS_CERT', message: 'ENGINE_TLS_CERT and ENGINE_TLS_KEY go together' },
    ]);
  }
  // A sign may reuse an answer max-age seconds, and the answer may be one refresh old.
  if (c.PARKING_GUIDANCE_MAX_AGE_SECONDS + c.PARKING_REFRESH_SECONDS > 30) {
    throw new ConfigError([
      {
        variable: 'PARKING_GUIDANCE_MAX_AGE_SECONDS',
        message:
          'PARKING_GUIDANCE_MAX_AGE_SECONDS + PARKING_REFRESH_SECONDS must be at most 30 (guidance fresh within 30 s)',
      },
    ]);
  }
  return {
    ...c,
    databaseProvider: providerOf(c.DATABASE_URL),
    engineDatabaseProvider: providerOf(c.ENGINE_DATABASE_URL),
  };
}
