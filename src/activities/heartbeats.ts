import type { Pool } from 'pg';
import type { CheckResultWriter } from '../db/check-results';
import { latestPings } from '../db/pings';
import { judgeHeartbeat } from '../domain/heartbeat';
import { judge, type Judgement, type Thresholds } from '../domain/judge';

export interface CheckHeartbeatInput {
  targetId: string;
  version: number;
  /** The workflow's time of this check: the result's slot. */
  at: number;
  periodMs: number;
  graceMs: number;
  watchingSince?: number;
  manual: boolean;
  /** The check falls in a maintenance window of the target. */
  maintenance: boolean;
  judgement: Judgement;
  thresholds: Thresholds;
}

export interface CheckHeartbeatResult {
  outcome: 'up' | 'down';
  error?: string;
  latencyMs?: number;
  nextCheckAt: number;
  /** The target changed since the workflow asked: nothing was written. */
  fenced: boolean;
}

export function createHeartbeatActivities({ pool, writer }: { pool: Pool; writer: CheckResultWriter }) {
  return {
    /** Judges a heartbeat target from the pings it received, and records the verdict as the result of this check. */
    async checkHeartbeat(input: CheckHeartbeatInput): Promise<CheckHeartbeatResult> {
      const { targetId, at } = input;
      const verdict = judgeHeartbeat(await latestPings(pool, targetId, at), at, input);
      const counts = judge(input.judgement, verdict.outcome, at, input.thresholds).next;
      const written = await writer.write({
        targetId,
        scheduledAt: at,
        startedAt: Date.now(),
        outcome: verdict.outcome,
        latencyMs: verdict.durationMs ?? null,
        statusCode: null,
        error: verdict.error ?? null,
        manual: input.manual,
        maintenance: input.maintenance,
        configVersion: input.version,
        consecutiveFailures: counts.consecutiveFailures,
        consecutiveSuccesses: counts.consecutiveSuccesses,
      });
      return {
        outcome: verdict.outcome,
        ...(verdict.error ? { error: verdict.error } : {}),
        ...(verdict.durationMs !== undefined ? { latencyMs: verdict.durationMs } : {}),
        nextCheckAt: verdict.nextCheckAt,
        fenced: written.status === 'fenced',
      };
    },
  };
}
