import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from '../activities';
import { createSlotProber } from '../activities/checks';
import type { WriterSettings } from '../config';
import type { RetentionPolicy } from '../domain/retention';
import type { SecretBox } from '../codec/secrets';
import { Mailer, type MailSettings } from '../activities/notifications/email';
import { AddressGuard } from '../activities/probes/address-guard';
import { CheckResultWriter, DEFAULT_WRITER_SETTINGS } from '../db/check-results';
import { TASK_QUEUE } from '../ids';
import { bundleWorkflowsApart } from './bundle';
import { recordSlot, workerMetrics } from './metrics';
import { WorkerLease, type WorkerLeaseOptions } from './leases';

export interface VigilWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  pool: Pool;
  /** Opens and signals incident workflows from activities, and completes probe windows by task token. */
  temporal: Client;
  mail: MailSettings;
  probeAllowCidrs: readonly string[];
  maxConcurrentActivities: number;
  maxCachedWorkflows: number;
  retention?: RetentionPolicy;
  /** How probe results are batched into Postgres; the writer's defaults when absent. */
  writer?: WriterSettings;
  /** The worker lease's timing: src/worker/leases.ts's constants when absent (tests shorten them). */
  lease?: WorkerLeaseOptions;
  /** Encrypts payloads (src/codec): the same as every client's, or neither side can read the other's. */
  dataConverter?: DataConverter;
  /** Seals and opens the secrets stored in Postgres (src/codec/secrets.ts), with the same keys as the data converter. */
  secrets: SecretBox;
  /** A pre-built bundle (tests build one for every suite); otherwise the workflows are bundled at start-up, apart. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  taskQueue?: string;
}

export interface VigilWorker {
  worker: Worker;
  lease: WorkerLease;
  /**
   * Takes the lease (then calls `onLeased`), runs the worker until it has drained (SIGTERM, or `worker.shutdown()`),
   * then releases the lease.
   */
  run(onLeased?: () => void): Promise<void>;
}

/** A worker that runs every Vigil workflow and activity, under a worker lease. */
export async function createVigilWorker(opts: VigilWorkerOptions): Promise<VigilWorker> {
  const writer = new CheckResultWriter(opts.pool, {
    ...(opts.writer ?? DEFAULT_WRITER_SETTINGS),
    onBatch: (size) => workerMetrics.writeBatchSize.observe(size),
  });
  const guard = new AddressGuard(opts.probeAllowCidrs);
  const lease = new WorkerLease(opts.pool, opts.temporal, createSlotProber({ writer, guard, recordSlot }), opts.secrets, opts.lease);
  const activities = createActivities({
    pool: opts.pool,
    writer,
    guard,
    recordSlot,
    windows: lease,
    retention: opts.retention,
    temporal: opts.temporal,
    mailer: new Mailer(opts.mail),
    secrets: opts.secrets,
  });
  const bundled = opts.workflowBundle ? undefined : await bundleWorkflowsApart(require.resolve('../workflows'));
  // The worker reads the bundle once, as it is created.
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    activities,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    workflowBundle: opts.workflowBundle ?? { codePath: bundled!.codePath },
    // Probe windows run outside the SDK (the lease's runner), so activities in flight are single probes and writes.
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities,
    maxCachedWorkflows: opts.maxCachedWorkflows,
    // Windows are handed over to the next worker, not drained: what is left to drain takes seconds.
    shutdownGraceTime: '5s',
  }).finally(() => bundled?.remove());
  return {
    worker,
    lease,
    run: async (onLeased) => {
      await lease.start();
      onLeased?.();
      try {
        await worker.run();
      } finally {
        await lease.stop();
      }
    },
  };
}
