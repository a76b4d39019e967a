import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

// Dropping a partition gives up after a short lock wait rather than stall writers (src/db/partitions.ts): retried
// with backoff, it finds a quiet moment.
const { createResultPartitions, dropExpiredResultPartitions, deleteExpiredRollups, deleteExpiredIdempotencyKeys, deleteExpiredPings } =
  proxyActivities<Activities>({
    startToCloseTimeout: '10m',
    retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 10 },
  });

export interface MaintenanceReport {
  partitionsCreated: string[];
  partitionsDropped: string[];
  rollupsDeleted: { hourly: number; daily: number };
  idempotencyKeysDeleted: number;
  pingsDeleted: number;
}

/**
 * One database maintenance run, started by its Temporal Schedule (src/worker/schedules.ts): partitions for the days
 * ahead first (what writers need), then retention. Every step is idempotent, so a run that fails part-way is simply
 * followed by the next; the report is the run's result in the Temporal UI.
 */
export async function databaseMaintenanceWorkflow(): Promise<MaintenanceReport> {
  const partitionsCreated = await createResultPartitions();
  const partitionsDropped = await dropExpiredResultPartitions();
  const rollupsDeleted = await deleteExpiredRollups();
  const idempotencyKeysDeleted = await deleteExpiredIdempotencyKeys();
  // Last: a run in flight when this step was added replays its recorded steps unchanged.
  const pingsDeleted = await deleteExpiredPings();
  return { partitionsCreated, partitionsDropped, rollupsDeleted, idempotencyKeysDeleted, pingsDeleted };
}
