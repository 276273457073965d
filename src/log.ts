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
  'reporterContact',
  '*.reporterName',
  '*.reporterPhone',
  '*.reporterContact',
  '*.callerName',
  '*.callerPhone',
];

/** Creates the root logger; children carry a component name (`log.child({ component: 'engine' })`). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' } }, destination);
}
