import type { Pool } from 'pg';
import { DEFAULT_RETENTION, type RetentionPolicy } from '../domain/retention';
import { deleteExpiredIdempotencyKeys } from '../db/idempotency-keys';
import { dropCheckResultPartitions, ensureCheckResultPartitions, resultRetentionCutoff } from '../db/partitions';
import { deleteExpiredPings } from '../db/pings';
import { deleteExpiredRollups } from '../db/rollups';

/** Day partitions of check_results made ahead of use: a week, so a week of missed maintenance runs loses nothing. */
const PARTITION_DAYS_AHEAD = 7;

/**
 * Database maintenance: the partitions results will need, and retention of results, rollups, idempotency keys and pings.
 * Each is idempotent and reads the clock itself, so a retry or an overlapping run does the same work or none.
 */
export function createMaintenanceActivities({ pool, retention = DEFAULT_RETENTION }: { pool: Pool; retention?: RetentionPolicy }) {
  return {
    /** Creates the day partitions of check_results from yesterday to a week ahead; returns the ones it made. */
    async createResultPartitions(): Promise<string[]> {
      return ensureCheckResultPartitions(pool, PARTITION_DAYS_AHEAD);
    },

    /** Drops the day partitions of results older than the retention; returns their names. */
    async dropExpiredResultPartitions(): Promise<string[]> {
      return dropCheckResultPartitions(pool, resultRetentionCutoff(retention.resultDays));
    },

    /** Deletes hourly and daily rollups older than their retentions; returns how many rows of each. */
    async deleteExpiredRollups(): Promise<{ hourly: number; daily: number }> {
      return deleteExpiredRollups(pool, {
        hourlyBefore: resultRetentionCutoff(retention.hourlyRollupDays),
        dailyBefore: resultRetentionCutoff(retention.dailyRollupDays),
      });
    },

    /** Deletes Idempotency-Keys past their 24 hours; returns how many. */
    async deleteExpiredIdempotencyKeys(): Promise<number> {
      return deleteExpiredIdempotencyKeys(pool);
    },

    /** Deletes heartbeat pings older than the results' retention (each target's latest of each kind stays). */
    async deleteExpiredPings(): Promise<number> {
      return deleteExpiredPings(pool, resultRetentionCutoff(retention.resultDays));
    },
  };
}
