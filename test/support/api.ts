import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApp } from '../../src/api/app';
import { startWebServer, type RunningServer } from '../../src/api/server';
import { createLogger } from '../../src/log';
import type { TestDatabase } from './db';

/** The real API app on an ephemeral port, against a suite's database and Temporal. */
export function startApi(db: TestDatabase, temporal: TestWorkflowEnvironment, opts: { minIntervalSeconds?: number } = {}): Promise<RunningServer> {
  const app = createApp({
    pool: db.pool,
    prisma: db.prisma,
    temporal: temporal.client,
    config: { minIntervalSeconds: opts.minIntervalSeconds ?? 1 },
    log: createLogger('vigil-api-test', 'silent'),
  });
  return startWebServer(app, '127.0.0.1', 0);
}
