import { Client } from 'pg';
import { createMaintenanceActivities } from '../../src/activities/maintenance';
import { ensureCheckResultPartitions } from '../../src/db/partitions';
import { useStack } from '../support/stack';

const DAY = 86_400_000;
const today = () => Math.floor(Date.now() / DAY) * DAY;
const partitionOf = (day: number) => `check_results_${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;

describe('retention', () => {
  const stack = useStack({ db: true });
  const retention = { resultDays: 30, hourlyRollupDays: 90, dailyRollupDays: 730 };
  let activities: ReturnType<typeof createMaintenanceActivities>;

  beforeAll(async () => {
    activities = createMaintenanceActivities({ pool: stack.db.pool, retention });
  });

  const partitions = async () =>
    (
      await stack.db.pool.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'check_results'::regclass ORDER BY 1`,
      )
    ).rows.map((r) => r.name);
  const insertResult = (at: number) =>
    stack.db.pool.query(`INSERT INTO check_results (target_id, scheduled_at, started_at, outcome) VALUES ('tgt_RETAIN', $1, $1, 'up')`, [new Date(at)]);
  const resultCount = async () => Number((await stack.db.pool.query(`SELECT count(*) FROM check_results WHERE target_id = 'tgt_RETAIN'`)).rows[0].count);

  it('drops the day partitions of results older than the retention, keeps the newer ones with their rows, and does it once', async () => {
    // Partitions from 41 to 25 days ago, one result in each; and a result in the default partition, long expired.
    await ensureCheckResultPartitions(stack.db.pool, 15, new Date(today() - 40 * DAY));
    for (let d = 41; d >= 25; d--) await insertResult(today() - d * DAY + 3_600_000);
    await insertResult(today() - 400 * DAY);
    expect(await partitions()).toContain('check_results_default');

    const dropped = await activities.dropExpiredResultPartitions();
    // Kept: the 30 whole days before today, and today.
    expect(dropped).toEqual(Array.from({ length: 11 }, (_, i) => partitionOf(today() - (41 - i) * DAY)));
    const left = await partitions();
    for (const name of dropped) expect(left).not.toContain(name);
    for (let d = 30; d >= 25; d--) expect(left).toContain(partitionOf(today() - d * DAY));
    expect(left).toContain('check_results_default');
    expect(await resultCount()).toBe(6);

    expect(await activities.dropExpiredResultPartitions()).toEqual([]);
    expect(await resultCount()).toBe(6);
  });

  it('gives up quickly, rather than queue every writer behind it, while a long transaction holds check_results', async () => {
    await ensureCheckResultPartitions(stack.db.pool, 0, new Date(today() - 50 * DAY));
    const reader = new Client({ connectionString: stack.db.url });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM check_results');
      await expect(activities.dropExpiredResultPartitions()).rejects.toMatchObject({ code: '55P03' });
      expect(await partitions()).toContain(partitionOf(today() - 50 * DAY));
      await reader.query('COMMIT');
    } finally {
      await reader.end();
    }
    // The next attempt (the workflow retries it) finds the lock free.
    expect(await activities.dropExpiredResultPartitions()).toContain(partitionOf(today() - 50 * DAY));
  });

  it('deletes hourly rollups after 90 days and daily ones after two years, and nothing newer', async () => {
    const hours = [91, 90, 89].map((d) => today() - d * DAY + 5 * 3_600_000);
    const days = [731, 730, 729, 100].map((d) => today() - d * DAY);
    for (const at of hours)
      await stack.db.pool.query(`INSERT INTO check_rollups_hourly (target_id, starts_at, probes) VALUES ('tgt_RETAIN', $1, 1)`, [new Date(at)]);
    for (const at of days)
      await stack.db.pool.query(`INSERT INTO check_rollups_daily (target_id, starts_at, probes) VALUES ('tgt_RETAIN', $1, 1)`, [new Date(at)]);

    expect(await activities.deleteExpiredRollups()).toEqual({ hourly: 1, daily: 1 });
    const kept = async (table: string) =>
      (await stack.db.pool.query<{ starts_at: Date }>(`SELECT starts_at FROM ${table} WHERE target_id = 'tgt_RETAIN' ORDER BY 1`, [])).rows.map((r) =>
        r.starts_at.getTime(),
      );
    expect(await kept('check_rollups_hourly')).toEqual(hours.slice(1));
    expect(await kept('check_rollups_daily')).toEqual(days.slice(1));
    expect(await activities.deleteExpiredRollups()).toEqual({ hourly: 0, daily: 0 });
  });

  it("deletes pings older than the results' retention but keeps each target's latest of each kind, and every ping of a deleted target", async () => {
    await stack.db.pool.query(`INSERT INTO targets (id, name, kind, interval_seconds, spec) VALUES ('tgt_PINGS', 'nightly backup', 'heartbeat', 86400, '{}')`);
    const ping = (target: string, kind: string, daysAgo: number) =>
      stack.db.pool.query('INSERT INTO pings (target_id, kind, received_at) VALUES ($1, $2, $3)', [target, kind, new Date(Date.now() - daysAgo * DAY)]);
    for (const d of [45, 40, 35, 2]) await ping('tgt_PINGS', 'success', d);
    for (const d of [45, 40]) await ping('tgt_PINGS', 'fail', d);
    for (const d of [45, 40]) await ping('tgt_GONE', 'success', d);
    const left = async () =>
      (
        await stack.db.pool.query<{ target_id: string; kind: string; days: number }>(
          `SELECT target_id, kind, round(extract(epoch FROM now() - received_at) / 86400)::int AS days FROM pings ORDER BY 1, 2, 3`,
        )
      ).rows.map((r) => `${r.target_id} ${r.kind} ${r.days}`);

    expect(await activities.deleteExpiredPings()).toBe(6);
    // The old fail ping is the latest of its kind: it says when the job last failed.
    expect(await left()).toEqual(['tgt_PINGS fail 40', 'tgt_PINGS success 2']);
    expect(await activities.deleteExpiredPings()).toBe(0);
  });

  it('makes the partitions of the week ahead', async () => {
    await activities.createResultPartitions();
    const left = await partitions();
    for (let d = 0; d <= 7; d++) expect(left).toContain(partitionOf(today() + d * DAY));
    expect(await activities.createResultPartitions()).toEqual([]);
  });
});
