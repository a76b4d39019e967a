/**
 * The production topology, as data: which services run, how many of each, what each needs started first, and the
 * environment each one reads. docker-compose.yml describes it for Docker; the production-like stack
 * (`npm run up -- --production-like`) starts it from this list on one host, in the list's order, which puts every
 * service after what it depends on. test/deploy checks that the two agree.
 */

export type ServiceName = 'postgres' | 'temporal-schema' | 'temporal' | 'temporal-namespace' | 'temporal-ui' | 'vigil-api' | 'vigil-worker';

export interface StackService {
  name: ServiceName;
  /** A one-off job that must finish successfully (schema, namespace), or a process that keeps running. */
  kind: 'job' | 'process';
  replicas: number;
  dependsOn: ServiceName[];
  /** The variables docker-compose.yml gives this service too: the same names, with values for this host. */
  env: Record<string, string>;
  /**
   * Variables only the one-host stack sets: every process shares loopback, so ports and bind addresses are
   * explicit, and tools are paths in Vigil's cache rather than names inside an image.
   */
  hostEnv: Record<string, string>;
}

/** Login roles besides the superuser: the same as deploy/postgres-init.sql creates for docker-compose.yml. */
export const POSTGRES_ROLES = [
  { name: 'vigil', ownsDatabase: 'vigil', createdb: false },
  // Temporal's schema tool creates its two databases itself, so its role may create databases.
  { name: 'temporal', ownsDatabase: undefined, createdb: true },
] as const;

export const TEMPORAL_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

export const DEFAULT_HISTORY_SHARDS = 4;

export interface StackPorts {
  postgres: number;
  /** The Temporal frontend (gRPC); the server's other ports sit at fixed offsets from it, see `temporalPorts`. */
  temporal: number;
  ui: number;
  api: number;
}

/**
 * The Temporal server's ports, at Temporal's usual offsets from the frontend port (7233 gives the familiar 7234
 * history, 7235 matching, 7239 worker, 7243 HTTP, 6933-6939 membership, 8000 metrics), named by the variables of
 * the server's config template.
 */
export function temporalPorts(frontend: number): Record<string, number> {
  return {
    FRONTEND_GRPC_PORT: frontend,
    FRONTEND_HTTP_PORT: frontend + 10,
    FRONTEND_MEMBERSHIP_PORT: frontend - 300,
    HISTORY_GRPC_PORT: frontend + 1,
    HISTORY_MEMBERSHIP_PORT: frontend - 299,
    MATCHING_GRPC_PORT: frontend + 2,
    MATCHING_MEMBERSHIP_PORT: frontend - 298,
    WORKER_GRPC_PORT: frontend + 6,
    WORKER_MEMBERSHIP_PORT: frontend - 294,
    METRICS_PORT: frontend + 767,
  };
}

export interface TopologySettings {
  ports: StackPorts;
  historyShards: number;
  passwords: { postgres: string; vigil: string; temporal: string };
  namespace: string;
  logLevel: string;
  dynamicConfigFile: string;
  tools: { sqlTool: string; schemaDir: string; temporalCli: string };
  /** The API's and workers' payload keys (src/codec); they refuse to start without (VIGIL_CODEC_KEYS=none turns it off). */
  codecKeys: { VIGIL_CODEC_KEYS: string; VIGIL_CODEC_ACTIVE_KEY: string };
}

const LOOPBACK = '127.0.0.1';

export function productionTopology(s: TopologySettings): StackService[] {
  const temporalAddress = `${LOOPBACK}:${s.ports.temporal}`;
  const temporalDb = {
    DB_PORT: String(s.ports.postgres),
    POSTGRES_SEEDS: LOOPBACK,
    POSTGRES_USER: 'temporal',
    POSTGRES_PWD: s.passwords.temporal,
  };
  const { METRICS_PORT, ...serverPorts } = temporalPorts(s.ports.temporal);
  const vigil = {
    DATABASE_URL: `postgresql://vigil:${encodeURIComponent(s.passwords.vigil)}@${LOOPBACK}:${s.ports.postgres}/vigil`,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: s.namespace,
    LOG_LEVEL: s.logLevel,
    VIGIL_CODEC_KEYS: s.codecKeys.VIGIL_CODEC_KEYS,
    VIGIL_CODEC_ACTIVE_KEY: s.codecKeys.VIGIL_CODEC_ACTIVE_KEY,
  };
  const apiUrl = `http://${LOOPBACK}:${s.ports.api}`;
  const uiUrl = `http://${LOOPBACK}:${s.ports.ui}`;
  return [
    { name: 'postgres', kind: 'process', replicas: 1, dependsOn: [], env: { POSTGRES_PASSWORD: s.passwords.postgres }, hostEnv: {} },
    {
      name: 'temporal-schema',
      kind: 'job',
      replicas: 1,
      dependsOn: ['postgres'],
      env: temporalDb,
      hostEnv: { SQL_TOOL: s.tools.sqlTool, SCHEMA_DIR: s.tools.schemaDir },
    },
    {
      name: 'temporal',
      kind: 'process',
      replicas: 1,
      dependsOn: ['temporal-schema'],
      env: {
        ...temporalDb,
        // pgx, not lib/pq: it prepares each statement once per connection, where lib/pq has PostgreSQL parse and plan
        // every one again; an import of 8,000 took 263 s instead of 315, with PostgreSQL at 40 % of a core, not 48.
        DB: 'postgres12_pgx',
        DBNAME: TEMPORAL_DATABASES.default,
        VISIBILITY_DBNAME: TEMPORAL_DATABASES.visibility,
        NUM_HISTORY_SHARDS: String(s.historyShards),
        DYNAMIC_CONFIG_FILE_PATH: s.dynamicConfigFile,
      },
      hostEnv: {
        // The template takes the visibility store's port from here, not DB_PORT (5432 when unset, as in compose).
        VISIBILITY_DB_PORT: String(s.ports.postgres),
        BIND_ON_IP: LOOPBACK,
        TEMPORAL_BROADCAST_ADDRESS: LOOPBACK,
        ...Object.fromEntries(Object.entries(serverPorts).map(([k, v]) => [k, String(v)])),
        PROMETHEUS_ENDPOINT: `${LOOPBACK}:${METRICS_PORT}`,
      },
    },
    {
      name: 'temporal-namespace',
      kind: 'job',
      replicas: 1,
      dependsOn: ['temporal'],
      env: { TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_NAMESPACE: s.namespace, ...temporalDb },
      hostEnv: { TEMPORAL_CLI: s.tools.temporalCli },
    },
    {
      name: 'temporal-ui',
      kind: 'process',
      replicas: 1,
      dependsOn: ['temporal'],
      // The UI decodes payloads through the API's codec endpoint (an admin key is needed, see README "Security").
      env: { TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_CORS_ORIGINS: apiUrl, TEMPORAL_CODEC_ENDPOINT: `${apiUrl}/v1/codec` },
      hostEnv: { TEMPORAL_UI_PORT: String(s.ports.ui) },
    },
    {
      name: 'vigil-api',
      kind: 'process',
      replicas: 1,
      dependsOn: ['postgres', 'temporal-namespace'],
      env: { ...vigil, API_HOST: LOOPBACK, API_PORT: String(s.ports.api), VIGIL_CODEC_CORS_ORIGINS: uiUrl },
      hostEnv: {},
    },
    { name: 'vigil-worker', kind: 'process', replicas: 2, dependsOn: ['postgres', 'temporal-namespace'], env: vigil, hostEnv: {} },
  ];
}
