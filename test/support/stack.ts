import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startApi, type RunningApi } from './api';
import { createTestDatabase, type TestDatabase } from './db';
import { startFakeTarget, type FakeTarget } from './fake-target';
import { startLocalTemporal } from './temporal';
import { startWorker, type RunningWorker } from './worker';

/** Everything an end-to-end suite drives: a database, a Temporal dev server, a worker, the API and a fake site. */
export interface TestStack {
  db: TestDatabase;
  temporal: TestWorkflowEnvironment;
  worker: RunningWorker;
  api: RunningApi;
  site: FakeTarget;
  stop(): Promise<void>;
}

export async function startStack(): Promise<TestStack> {
  const [db, temporal, site] = await Promise.all([createTestDatabase(), startLocalTemporal(), startFakeTarget()]);
  const worker = await startWorker(temporal, db.pool);
  const api = await startApi(db, temporal.client);
  return {
    db,
    temporal,
    worker,
    api,
    site,
    stop: async () => {
      await api.close();
      await worker.stop();
      await temporal.teardown();
      await site.close();
      await db.drop();
    },
  };
}
