import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { DATABASE_MAINTENANCE_SCHEDULE_ID, DATABASE_MAINTENANCE_WORKFLOW_ID, TASK_QUEUE } from '../ids';
import { databaseMaintenanceWorkflow } from '../workflows/maintenance';

/**
 * Database maintenance hourly, at 7 past (clear of the hour's turn, when every target opens new rollup rows). Its steps
 * are cheap no-ops most hours; running often means a failed run is retried within the hour, and partitions are made
 * a week ahead, so even a long outage of the schedule loses no result. One run at a time; runs missed while Temporal
 * was down are not replayed, the next one does their work.
 */
export const maintenanceSchedule = (taskQueue = TASK_QUEUE) =>
  ({
    scheduleId: DATABASE_MAINTENANCE_SCHEDULE_ID,
    spec: { intervals: [{ every: '1h', offset: '7m' }] },
    action: { type: 'startWorkflow', workflowType: databaseMaintenanceWorkflow, taskQueue, workflowId: DATABASE_MAINTENANCE_WORKFLOW_ID },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
    memo: { purpose: 'partitions ahead, retention of results, rollups and idempotency keys' },
  }) satisfies ScheduleOptions;

/**
 * Creates the maintenance schedule, or brings an existing one to this definition: every worker does it at start-up,
 * so the schedule exists wherever Vigil runs and follows its code. Safe from many workers at once.
 */
export async function ensureMaintenanceSchedule(client: Client, taskQueue = TASK_QUEUE): Promise<void> {
  const { scheduleId, spec, action, policies } = maintenanceSchedule(taskQueue);
  try {
    await client.schedule.create(maintenanceSchedule(taskQueue));
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
  }
}
