/**
 * The hub's pino logger. Reporter contacts and credentials never reach the logs: the redaction paths
 * below cover the places they travel (request bodies, case rows, adapter payloads, headers).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  '*.password',
  'token',
  '*.token',
  '*.secret',
  'reporterName',
  'reporterPhone',
  'reporterEmail',
  'reporterContact',
  '*.reporterName',
  '*.reporterPhone',
  '*.reporterEmail',
  '*.reporterContact',
  '*.callerName',
  '*.callerPhone',
];

/** Creates the root logger; children carry a component name (`log.child({ component: 'engine' })`). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' } }, destination);
}

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * The logger of a command (`npm start`, `npm run engine`): human-readable lines when `format` is
 * `pretty`, or `auto` and the output is a terminal; JSON lines otherwise (files, pipes, log shippers),
 * as pino users expect. pino-pretty is loaded only when it is used.
 */
export async function createCommandLogger(
  level: string,
  format: LogFormat,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): Promise<Logger> {
  const pretty = format === 'pretty' || (format === 'auto' && out.isTTY === true);
  if (!pretty) return createLogger(level, out as pino.DestinationStream);
  const { PinoPretty } = await import('pino-pretty');
  return createLogger(
    level,
    PinoPretty({
      destination: out,
      sync: true,
      colorize: out.isTTY === true,
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
      ignore: 'pid,hostname',
    }),
  );
}
