import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import type { WorkerLeaseOptions } from '../../src/worker/leases';
import { createVigilWorker, type VigilWorker } from '../../src/worker/worker';
import { testSecrets } from './codec';
import { readTestEnv } from './env';

export interface RunningWorker {
  worker: Worker;
  lease: VigilWorker['lease'];
  /** Shuts the worker down and waits until it has drained. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  lease?: WorkerLeaseOptions;
}

/** Vigil's real worker (every workflow and activity) against a test Temporal and a test database, probing loopback. */
export async function startWorker(env: TestWorkflowEnvironment, pool: Pool, opts: WorkerOptions = {}): Promise<RunningWorker> {
  const vigil = await createVigilWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    pool,
    temporal: env.client,
    mail: { from: 'Vigil tests <vigil@test.invalid>' },
    probeAllowCidrs: ['127.0.0.0/8', '::1/128'],
    maxConcurrentActivities: 200,
    maxCachedWorkflows: 100,
    workflowBundle: { codePath: readTestEnv().bundlePath },
    // Whatever the suite's client encrypts with (src/codec): both sides must agree.
    dataConverter: env.client.options.dataConverter,
    secrets: testSecrets,
    lease: opts.lease,
  });
  const { worker, lease } = vigil;
  const running = vigil.run();
  return {
    worker,
    lease,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
