import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseCodecKeys, type CodecKeys } from '../codec/keys';
import { DEFAULT_RETENTION, type RetentionPolicy } from '../domain/retention';

/**
 * The one place that reads the environment. Every variable has an embedded default but the codec keys (secrets, which
 * `npm run up` makes for itself), so `npm run up` works with nothing set; a malformed value stops the process at
 * start-up with a message naming the variable.
 */
const EnvSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'expected host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  VIGIL_DATA_DIR: z.string().min(1).default('.data'),
  VIGIL_CACHE_DIR: z
    .string()
    .min(1)
    .default(path.join(os.homedir(), '.cache', 'vigil')),
  VIGIL_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  VIGIL_TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  VIGIL_TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  /** History shards of the production-like stack's Temporal server; fixed once its data folder exists. */
  VIGIL_TEMPORAL_HISTORY_SHARDS: z.coerce.number().int().min(1).max(16_384).default(4),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** The shortest probe interval the API accepts. 10 s in production; tests lower it to keep runs short. */
  VIGIL_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(10),
  VIGIL_ADMISSION_MAX_BACKLOG_SECONDS: z.coerce.number().min(0.1).max(3_600).default(5),
  /**
   * An admin API key every API instance makes sure exists at start-up, for automated set-ups (compose, CI). At least
   * 32 characters of A-Z, a-z, 0-9, _ and -. Revoking it through the API sticks. Humans: npm run create-api-key.
   */
  VIGIL_BOOTSTRAP_ADMIN_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,256}$/, 'at least 32 characters of A-Z, a-z, 0-9, _ and -')
    .optional(),
  /** Unauthenticated requests a minute from one client address (public routes, bad keys), per API instance; 0 = off. */
  VIGIL_PUBLIC_RATE_LIMIT: z.coerce.number().int().min(0).default(300),
  /** Where a worker serves its Prometheus metrics; port 0 (the default) serves none, as several workers share a host. */
  VIGIL_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  VIGIL_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /**
   * Probes refuse private, loopback, link-local and metadata addresses unless listed here (comma-separated CIDRs),
   * checked after DNS resolution. Example: 127.0.0.0/8,::1/128 to monitor services on this host.
   */
  VIGIL_PROBE_ALLOW_CIDRS: z.string().default(''),
  /**
   * Keys that encrypt Temporal payloads (src/codec): comma-separated `<id>:<32 bytes in base64>`, from
   * `npm run create-codec-key`. Every key listed decrypts; VIGIL_CODEC_ACTIVE_KEY (the first listed when unset)
   * encrypts. The same keys seal the secrets Vigil stores in Postgres (src/codec/secrets.ts). Unset, the API and
   * workers refuse to start; `none` runs them without encryption, on purpose. `npm run up` makes its own.
   */
  VIGIL_CODEC_KEYS: z.string().nullish(),
  VIGIL_CODEC_ACTIVE_KEY: z.string().nullish(),
  /** Origins (the Temporal Web UI's) that may call the codec endpoint /v1/codec from a browser; comma-separated. */
  VIGIL_CODEC_CORS_ORIGINS: z.string().optional(),
  VIGIL_WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(10_000),
  /**
   * Workflows a worker keeps in memory between tasks; the others replay their short runs (docs/benchmarks.md). A
   * target's next task comes when its twenty-minute window ends, so beyond a few hundred targets almost every task is
   * a replay whatever the cache holds: the cache serves the bursts (a command, a flip), and 100 hold those.
   */
  VIGIL_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(100),
  VIGIL_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * The probe-result writer (src/db/check-results.ts): rows per group-commit statement, statements at once, and how
   * long a result that finds the writer idle waits for others to join its statement (src/db/group-commit.ts).
   */
  VIGIL_WRITE_MAX_BATCH: z.coerce.number().int().min(1).max(5_000).default(500),
  VIGIL_WRITE_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(200).default(2),
  VIGIL_WRITE_LINGER_MS: z.coerce.number().int().min(0).max(5_000).default(200),
  /** The SMTP relay e-mail channels send through: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465. */
  VIGIL_SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  VIGIL_SMTP_FROM: z.string().min(3).default('Vigil <vigil@localhost>'),
  /** Days of raw check results kept (whole UTC days before today); older day partitions are dropped. */
  VIGIL_RESULT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(DEFAULT_RETENTION.resultDays),
  /** Days of hourly rollups kept: hour-precise ranges reach this far back; longer ones fall back to whole days. */
  VIGIL_HOURLY_ROLLUP_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(DEFAULT_RETENTION.hourlyRollupDays),
  /** Days of daily rollups kept: uptime bars and long ranges. */
  VIGIL_DAILY_ROLLUP_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(DEFAULT_RETENTION.dailyRollupDays),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Every environment variable Vigil reads. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** How the probe-result writer batches (src/db/check-results.ts). */
export interface WriterSettings {
  maxBatch: number;
  maxInFlight: number;
  lingerMs: number;
}

export interface Config {
  databaseUrl: string;
  /** True when DATABASE_URL was not given and Vigil runs its own Postgres under the data folder. */
  embeddedPostgres: boolean;
  temporal: { address: string; namespace: string; embedded: boolean; cliPath?: string; uiPort: number; historyShards: number };
  dataDir: string;
  cacheDir: string;
  pgPort: number;
  api: { host: string; port: number };
  minIntervalSeconds: number;
  /** New targets are refused while Temporal tasks have waited longer than this for a worker (src/api/targets/admission.ts). */
  admissionMaxBacklogSeconds: number;
  bootstrapAdminKey?: string;
  publicRateLimitPerMinute: number;
  probeAllowCidrs: string[];
  /** Payload encryption (src/codec), and who may use the codec endpoint from a browser. */
  codec: {
    keys?: CodecKeys;
    /** VIGIL_CODEC_KEYS=none: the operator turned encryption off on purpose (payloads and stored secrets in clear). */
    plaintext: boolean;
    corsOrigins: string[];
  };
  worker: {
    maxConcurrentActivities: number;
    maxCachedWorkflows: number;
    metrics: { host: string; port: number };
    writer: WriterSettings;
  };
  dbPoolSize: number;
  /** E-mail channels; without an SMTP URL their deliveries fail, saying so. */
  mail: { smtpUrl?: string; from: string };
  retention: RetentionPolicy;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
}

/** The value of VIGIL_CODEC_KEYS that turns encryption off on purpose. */
export const PLAINTEXT = 'none';

function codecKeys(keys: string | null | undefined, activeKey: string | null | undefined): CodecKeys | undefined {
  // Empty (or null, as docker-compose lists a variable passed through from the shell) counts as unset.
  const active = activeKey?.trim() || undefined;
  if (!keys?.trim() || keys.trim() === PLAINTEXT) {
    if (active !== undefined) throw new ConfigError('invalid environment: VIGIL_CODEC_ACTIVE_KEY: set, but VIGIL_CODEC_KEYS is not');
    return undefined;
  }
  try {
    return parseCodecKeys(keys, active);
  } catch (err) {
    // The message names entries by position and id, never key material.
    throw new ConfigError(`invalid environment: VIGIL_CODEC_KEYS: ${(err as Error).message}`);
  }
}

/**
 * The keys a process that handles payloads and secrets (the API, the workers) runs with: refuses to run without any
 * unless the operator said so (VIGIL_CODEC_KEYS=none), so no deployment stores secrets in clear by omission.
 */
export function encryptionKeys(config: Pick<Config, 'codec'>): CodecKeys | undefined {
  if (config.codec.keys || config.codec.plaintext) return config.codec.keys;
  throw new ConfigError(
    'invalid environment: VIGIL_CODEC_KEYS is not set: set it (npm run -s create-codec-key prints a key) to encrypt Temporal payloads and the ' +
      'secrets stored in Postgres, or set VIGIL_CODEC_KEYS=none to run without encryption on purpose',
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid environment: ${problems}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL ?? `postgresql://postgres@127.0.0.1:${e.VIGIL_PG_PORT}/vigil`,
    embeddedPostgres: e.DATABASE_URL === undefined,
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.VIGIL_TEMPORAL_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      embedded: e.TEMPORAL_ADDRESS === undefined,
      cliPath: e.TEMPORAL_CLI_PATH,
      uiPort: e.VIGIL_TEMPORAL_UI_PORT,
      historyShards: e.VIGIL_TEMPORAL_HISTORY_SHARDS,
    },
    dataDir: path.resolve(e.VIGIL_DATA_DIR),
    cacheDir: path.resolve(e.VIGIL_CACHE_DIR),
    pgPort: e.VIGIL_PG_PORT,
    api: { host: e.API_HOST, port: e.API_PORT },
    minIntervalSeconds: e.VIGIL_MIN_INTERVAL_SECONDS,
    admissionMaxBacklogSeconds: e.VIGIL_ADMISSION_MAX_BACKLOG_SECONDS,
    bootstrapAdminKey: e.VIGIL_BOOTSTRAP_ADMIN_KEY,
    publicRateLimitPerMinute: e.VIGIL_PUBLIC_RATE_LIMIT,
    probeAllowCidrs: e.VIGIL_PROBE_ALLOW_CIDRS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    codec: {
      keys: codecKeys(e.VIGIL_CODEC_KEYS, e.VIGIL_CODEC_ACTIVE_KEY),
      plaintext: e.VIGIL_CODEC_KEYS?.trim() === PLAINTEXT,
      // The embedded dev server's Web UI, unless told otherwise.
      corsOrigins: (e.VIGIL_CODEC_CORS_ORIGINS ?? `http://127.0.0.1:${e.VIGIL_TEMPORAL_UI_PORT},http://localhost:${e.VIGIL_TEMPORAL_UI_PORT}`)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
    worker: {
      maxConcurrentActivities: e.VIGIL_WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxCachedWorkflows: e.VIGIL_WORKER_MAX_CACHED_WORKFLOWS,
      metrics: { host: e.VIGIL_WORKER_METRICS_HOST, port: e.VIGIL_WORKER_METRICS_PORT },
      writer: { maxBatch: e.VIGIL_WRITE_MAX_BATCH, maxInFlight: e.VIGIL_WRITE_MAX_IN_FLIGHT, lingerMs: e.VIGIL_WRITE_LINGER_MS },
    },
    dbPoolSize: e.VIGIL_DB_POOL_SIZE,
    mail: { smtpUrl: e.VIGIL_SMTP_URL, from: e.VIGIL_SMTP_FROM },
    retention: {
      resultDays: e.VIGIL_RESULT_RETENTION_DAYS,
      hourlyRollupDays: e.VIGIL_HOURLY_ROLLUP_RETENTION_DAYS,
      dailyRollupDays: e.VIGIL_DAILY_ROLLUP_RETENTION_DAYS,
    },
    logLevel: e.LOG_LEVEL,
  };
}
