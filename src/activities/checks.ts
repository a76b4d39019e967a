import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckResultRow, CheckResultWriter } from '../db/check-results';
import { judge, type Judgement, type Thresholds } from '../domain/judge';
import type { ActiveProbe, Outcome } from '../domain/probe';
import { recordSlot } from '../worker/metrics';
import type { AddressGuard } from './probes/address-guard';
import { runProbe } from './probes';

export interface RunChecksInput {
  targetId: string;
  /** The configuration version this window runs under; results are fenced off once a newer one is saved. */
  version: number;
  probe: ActiveProbe;
  intervalMs: number;
  /** Epoch ms of each slot to probe, ascending. */
  slots: number[];
  /** The workflow's timer already waited for the first slot: probe it at once, whatever this worker's clock says. */
  firstSlotIsDue: boolean;
  /** An operator's "check now": a slot off the grid. */
  manual: boolean;
  /** The slots fall in a maintenance window (a window never spans a maintenance boundary). */
  maintenance: boolean;
  /** The workflow's judgement before the first slot, so this activity knows when the state would change. */
  judgement: Judgement;
  thresholds: Thresholds;
}

export interface CheckedSlot {
  scheduledAt: number;
  outcome: Outcome | 'missed';
  latencyMs?: number;
  error?: string;
}

export interface RunChecksResult {
  /** In slot order. Ends early, after the first result that changes the target's state. */
  checked: CheckedSlot[];
  /**
   * The target changed (or was paused or deleted) since this window started, or a newer window of it superseded this
   * one: it stopped without writing.
   */
  fenced: boolean;
}

/**
 * Where probe windows register while they run, so that a live worker fails them over should theirs die
 * (src/worker/leases.ts): windows send Temporal no heartbeats.
 */
export interface ProbeWindowRegistry {
  /**
   * Resolves once the window is registered. The signal aborts when the window must stop: a newer window of its target
   * superseded it (an operator's command interrupted it), or Temporal already runs it elsewhere.
   */
  register(taskToken: Uint8Array, targetId: string): Promise<AbortSignal>;
  unregister(taskToken: Uint8Array): void;
}

export interface CheckActivityDeps {
  writer: CheckResultWriter;
  guard: AddressGuard;
  windows: ProbeWindowRegistry;
}

/**
 * Sleeps until `at`, or until `wake` aborts (the window stopped, or the activity was cancelled). Throws
 * CancelledFailure on cancellation (the worker shutting down).
 */
async function waitUntil(ctx: Context, at: number, wake: AbortSignal): Promise<void> {
  const wait = at - Date.now();
  if (wait <= 0) return;
  await sleep(wait, undefined, { signal: wake }).catch(() => undefined);
  if (ctx.cancellationSignal.aborted) await ctx.cancelled;
}

export function createCheckActivities({ writer, guard, windows }: CheckActivityDeps) {
  return {
    /**
     * Probes each slot at its time and records each result, once per slot however often this activity is retried or
     * superseded: when a slot already has a result, that stored result is the one reported. Returns as soon as a
     * result changes the target's state, so the workflow decides without waiting for the window to end. A slot whose
     * successor is already due when we reach it (the worker was down, or this is a late retry) is recorded as missed:
     * late probes are never run in a burst to catch up. A window of several slots registers itself for failover, and
     * stops (as if fenced) when a newer window of its target supersedes it.
     */
    async runChecks(input: RunChecksInput): Promise<RunChecksResult> {
      const ctx = Context.current();
      // Scheduled with a heartbeat timeout, by a workflow task from before worker leases: it would time out here
      // without heartbeats. Handed back at once, unprobed, its workflow schedules the next window without one.
      if (ctx.info.heartbeatTimeoutMs) return { checked: [], fenced: false };
      const { targetId, thresholds } = input;
      let judgement = input.judgement;
      const checked: CheckedSlot[] = [];
      const row = (slot: number, fields: Pick<CheckResultRow, 'startedAt' | 'outcome' | 'latencyMs' | 'statusCode' | 'error'>, counts: Judgement): CheckResultRow => ({
        targetId,
        scheduledAt: slot,
        manual: input.manual,
        maintenance: input.maintenance,
        configVersion: input.version,
        consecutiveFailures: counts.consecutiveFailures,
        consecutiveSuccesses: counts.consecutiveSuccesses,
        ...fields,
      });
      const isWindow = input.slots.length > 1;
      const stop = isWindow ? await windows.register(ctx.info.taskToken, targetId) : undefined;
      // One signal for the whole window: each AbortSignal.any stays registered with its sources until they end.
      const wake = stop ? AbortSignal.any([ctx.cancellationSignal, stop]) : ctx.cancellationSignal;
      try {
        for (const [i, slot] of input.slots.entries()) {
          if (stop?.aborted) return { checked, fenced: true };
          const late = !input.manual && Date.now() >= slot + input.intervalMs;
          let found: CheckedSlot;
          if (late) {
            const error = 'not probed in time: no worker ran this slot';
            const written = await writer.write(row(slot, { startedAt: Date.now(), outcome: 'missed', latencyMs: null, statusCode: null, error }, judgement));
            recordSlot(input.probe.kind, 'missed', undefined, written.status);
            if (written.status === 'fenced') return { checked, fenced: true };
            found = written.status === 'duplicate' && written.stored ? reported(slot, written.stored) : { scheduledAt: slot, outcome: 'missed' };
          } else {
            if (i > 0 || !input.firstSlotIsDue) await waitUntil(ctx, slot, wake);
            if (stop?.aborted) return { checked, fenced: true };
            const startedAt = Date.now();
            const result = await runProbe(input.probe, { guard, signal: ctx.cancellationSignal });
            const counts = judge(judgement, result.outcome, slot, thresholds).next;
            const written = await writer.write(
              row(slot, { startedAt, outcome: result.outcome, latencyMs: result.latencyMs, statusCode: result.statusCode ?? null, error: result.error ?? null }, counts),
            );
            recordSlot(input.probe.kind, result.outcome, input.manual ? undefined : startedAt - slot, written.status);
            if (written.status === 'fenced') return { checked, fenced: true };
            found =
              written.status === 'duplicate' && written.stored
                ? reported(slot, written.stored)
                : { scheduledAt: slot, outcome: result.outcome, latencyMs: result.latencyMs, error: result.error };
          }
          checked.push(found);
          if (found.outcome !== 'missed') {
            const { next, flip } = judge(judgement, found.outcome, slot, thresholds);
            judgement = next;
            if (flip) break;
          }
        }
        return { checked, fenced: false };
      } catch (err) {
        // On shutdown, hand the rest of the window back at once: the retry on another worker resumes from the clock.
        if (err instanceof CancelledFailure && ctx.cancellationDetails?.workerShutdown) {
          throw ApplicationFailure.retryable('worker shutting down', 'WorkerShutdown');
        }
        throw err;
      } finally {
        if (isWindow) windows.unregister(ctx.info.taskToken);
      }
    },
  };
}

function reported(slot: number, stored: { outcome: CheckResultRow['outcome']; latencyMs: number | null; error: string | null }): CheckedSlot {
  return { scheduledAt: slot, outcome: stored.outcome, latencyMs: stored.latencyMs ?? undefined, error: stored.error ?? undefined };
}
