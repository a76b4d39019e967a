import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Where secrets could ride along in what Vigil logs: request headers (API keys, probe credentials), a target's
 * configuration (probe headers), channel settings (webhook signing secrets, Slack URLs, which are their own secret),
 * connection URLs with passwords, and Postgres errors, whose `detail` may quote a failing row whole. pino replaces
 * them before a line is written.
 */
export const REDACTED_PATHS = [
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["proxy-authorization"]',
  'probe.headers',
  '*.probe.headers',
  'spec.probe.headers',
  '*.spec.probe.headers',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'config.url',
  '*.config.url',
  'smtpUrl',
  '*.smtpUrl',
  'databaseUrl',
  'DATABASE_URL',
  'err.detail',
  'error.detail',
];

/** A heartbeat's ping URL holds its token, which is its credential: logged URLs keep the route, not the token. */
export const withoutPingToken = (url: unknown): unknown => (typeof url === 'string' ? url.replace(/(\/v1\/ping\/)[^/?#]+/, '$1[Redacted]') : url);

/** Structured JSON logs on stdout, one logger per process, named by its role. */
export const createLogger = (name: string, level: string, destination?: DestinationStream): Logger =>
  pino({ name, level, redact: REDACTED_PATHS, serializers: { url: withoutPingToken } }, destination);

export type { Logger };
