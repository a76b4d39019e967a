import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from '../activities';
import type { RetentionPolicy, WriterSettings } from '../config';
import { Mailer, type MailSettings } from '../activities/notifications/email';
import { AddressGuard } from '../activities/probes/address-guard';
import { CheckResultWriter } from '../db/check-results';
import { TASK_QUEUE } from '../ids';

export interface VigilWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  pool: Pool;
  /** Opens and signals incident workflows from activities. */
  temporal: Client;
  mail: MailSettings;
  probeAllowCidrs: readonly string[];
  maxConcurrentActivities: number;
  maxCachedWorkflows: number;
  retention?: RetentionPolicy;
  /** How probe results are batched into Postgres; the writer's defaults when absent. */
  writer?: WriterSettings;
  /** Longest a probe window's heartbeat is held back (the SDK's default, 60 s, when absent). */
  heartbeatThrottleMs?: number;
  /** Encrypts payloads (src/codec): the same as every client's, or neither side can read the other's. */
  dataConverter?: DataConverter;
  /** A pre-built bundle (tests build one for every suite); otherwise the workflows are bundled at start-up. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  taskQueue?: string;
}

/** A worker that runs every Vigil workflow and activity; `run()` it, and it drains on SIGTERM. */
export function createVigilWorker(opts: VigilWorkerOptions): Promise<Worker> {
  const activities = createActivities({
    pool: opts.pool,
    writer: new CheckResultWriter(opts.pool, opts.writer),
    guard: new AddressGuard(opts.probeAllowCidrs),
    retention: opts.retention,
    temporal: opts.temporal,
    mailer: new Mailer(opts.mail),
  });
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    activities,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    // Probe windows spend nearly all their time asleep, so one worker holds thousands of them at once.
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities,
    maxCachedWorkflows: opts.maxCachedWorkflows,
    // A window hands its remaining slots back at once on shutdown, so draining takes seconds, not a whole window.
    shutdownGraceTime: '5s',
    ...(opts.heartbeatThrottleMs !== undefined ? { maxHeartbeatThrottleInterval: opts.heartbeatThrottleMs } : {}),
  });
}
