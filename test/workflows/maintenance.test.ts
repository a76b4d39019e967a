import { ensureCheckResultPartitions } from '../../src/db/partitions';
import { DATABASE_MAINTENANCE_SCHEDULE_ID, TASK_QUEUE } from '../../src/ids';
import { databaseMaintenanceWorkflow } from '../../src/workflows/maintenance';
import { ensureMaintenanceSchedule } from '../../src/worker/schedules';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

const DAY = 86_400_000;
const today = () => Math.floor(Date.now() / DAY) * DAY;
const partitionOf = (day: number) => `check_results_${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;

/** Database maintenance on a real Temporal dev server: the workflow, and the schedule the worker process sets up. */
describe('database maintenance', () => {
  const stack = useStack({ temporal: 'local', db: true });

  const partitionExists = async (name: string) => (await stack.db.pool.query('SELECT to_regclass($1) IS NOT NULL AS e', [name])).rows[0].e as boolean;

  it('makes the partitions ahead and drops the expired ones, and a second run finds nothing to do', async () => {
    const expired = today() - 45 * DAY;
    await ensureCheckResultPartitions(stack.db.pool, 0, new Date(expired));
    const worker = await stack.startWorker();
    try {
      const run = () =>
        stack.temporal.client.workflow.execute(databaseMaintenanceWorkflow, { taskQueue: TASK_QUEUE, workflowId: `maintenance-test-${Date.now()}` });
      const first = await run();
      expect(first.partitionsDropped).toEqual([partitionOf(expired - DAY), partitionOf(expired)]);
      expect(await partitionExists(partitionOf(expired))).toBe(false);
      expect(await partitionExists(partitionOf(today() + 7 * DAY))).toBe(true);
      expect(first.rollupsDeleted).toEqual({ hourly: 0, daily: 0 });
      expect(first.idempotencyKeysDeleted).toBe(0);
      expect(first.pingsDeleted).toBe(0);
      expect(await run()).toEqual({
        partitionsCreated: [],
        partitionsDropped: [],
        rollupsDeleted: { hourly: 0, daily: 0 },
        idempotencyKeysDeleted: 0,
        pingsDeleted: 0,
      });
    } finally {
      await worker.stop();
    }
  });

  it('is scheduled hourly by the worker process when it starts, and the scheduled run does the work', async () => {
    const worker = await stack.startWorkerProcess({ LOG_LEVEL: 'info' });
    try {
      const schedule = stack.temporal.client.schedule.getHandle(DATABASE_MAINTENANCE_SCHEDULE_ID);
      const described = await schedule.describe();
      expect(described.spec.intervals).toEqual([{ every: 3_600_000, offset: 420_000 }]);
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'databaseMaintenanceWorkflow', taskQueue: TASK_QUEUE });

      // Starting again (another worker, a restart) keeps the one schedule.
      await ensureMaintenanceSchedule(stack.temporal.client);
      const schedules = [];
      for await (const s of stack.temporal.client.schedule.list()) schedules.push(s.scheduleId);
      expect(schedules).toEqual([DATABASE_MAINTENANCE_SCHEDULE_ID]);

      const expired = today() - 60 * DAY;
      await ensureCheckResultPartitions(stack.db.pool, 0, new Date(expired));
      await schedule.trigger();
      await eventually(async () => expect(await partitionExists(partitionOf(expired))).toBe(false), 60_000, 500);
    } finally {
      await worker.stop('SIGTERM');
    }
  }, 240_000);
});
