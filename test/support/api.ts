import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { issueApiKey } from '../../src/api/auth/keys';
import type { Role } from '../../src/domain/roles';
import { startWebServer, type RunningServer } from '../../src/api/server';
import { createLogger } from '../../src/log';
import { testCodecKeys, testSecrets } from './codec';
import type { TestDatabase } from './db';

/** The origin the test API lets call its codec endpoint from a browser, as a Temporal Web UI would. */
export const TEST_UI_ORIGIN = 'http://127.0.0.1:8233';

export interface RunningApi extends RunningServer {
  /** The secret of an admin key made for the suite. */
  adminKey: string;
  /** supertest against the API, authenticated with `key` (the suite's admin key by default). */
  request(key?: string): request.Agent;
  /** Makes a key with this role; returns its secret. */
  createKey(role: Role): Promise<string>;
}

export interface ApiOptions {
  minIntervalSeconds?: number;
  publicRateLimitPerMinute?: number;
  admissionMaxBacklogSeconds?: number;
}

/** The real API app on an ephemeral port, against a suite's database and Temporal, with an admin key to call it with. */
export async function startApi(db: TestDatabase, temporal: Client, opts: ApiOptions = {}): Promise<RunningApi> {
  const app = createApp({
    pool: db.pool,
    prisma: db.prisma,
    temporal,
    secrets: testSecrets,
    config: {
      minIntervalSeconds: opts.minIntervalSeconds ?? 1,
      publicRateLimitPerMinute: opts.publicRateLimitPerMinute ?? 0,
      admissionMaxBacklogSeconds: opts.admissionMaxBacklogSeconds,
      codec: { keys: testCodecKeys, corsOrigins: [TEST_UI_ORIGIN] },
    },
    log: createLogger('vigil-api-test', 'silent'),
  });
  const server = await startWebServer(app, '127.0.0.1', 0);
  const createKey = async (role: Role) => (await issueApiKey(db.pool, { name: `test ${role}`, role })).secret;
  const adminKey = await createKey('admin');
  return {
    ...server,
    adminKey,
    createKey,
    request: (key = adminKey) => request.agent(server.url).set('Authorization', `Bearer ${key}`),
  };
}

/** A Temporal client for an address where nothing listens: the API as it runs while Temporal is down. */
export const unreachableTemporal = (): Client => new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
