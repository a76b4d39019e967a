import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { judge, type Judgement, type Thresholds } from '../domain/judge';
import type { Outcome, Probe } from '../domain/probe';
import type { CheckResultWriter } from '../db/check-results';
import type { AddressGuard } from './probes/address-guard';
import { runProbe } from './probes';

export interface RunChecksInput {
  targetId: string;
  probe: Probe;
  intervalMs: number;
  /** Epoch ms of each slot to probe, ascending. */
  slots: number[];
  /** The workflow's timer already waited for the first slot: probe it at once, whatever this worker's clock says. */
  firstSlotIsDue: boolean;
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
}

/** Only windows have a heartbeat timeout; a single slot is covered by its start-to-close timeout alone. */
function heartbeat(ctx: Context): void {
  if (ctx.info.heartbeatTimeoutMs) ctx.heartbeat();
}

/** Sleeps until `at`, heartbeating on the way (the SDK throttles what reaches the server). Throws on cancellation. */
async function waitUntil(ctx: Context, at: number): Promise<void> {
  const step = ctx.info.heartbeatTimeoutMs ? ctx.info.heartbeatTimeoutMs / 2 : Infinity;
  for (let wait = at - Date.now(); wait > 0; wait = at - Date.now()) {
    await ctx.sleep(Math.min(wait, step));
    heartbeat(ctx);
  }
}

export interface CheckActivityDeps {
  writer: CheckResultWriter;
  guard: AddressGuard;
}

export function createCheckActivities({ writer, guard }: CheckActivityDeps) {
  return {
    /**
     * Probes each slot at its time and records each result (once per slot, however often this activity is retried).
     * Returns as soon as a result changes the target's state, so the workflow decides without waiting for the window
     * to end. A slot whose successor is already due when we reach it (the worker was down, or this is a late retry)
     * is recorded as missed: late probes are never run in a burst to catch up.
     */
    async runChecks(input: RunChecksInput): Promise<RunChecksResult> {
      const ctx = Context.current();
      const { targetId, thresholds } = input;
      let judgement = input.judgement;
      const checked: CheckedSlot[] = [];
      try {
        for (const [i, slot] of input.slots.entries()) {
          if (Date.now() >= slot + input.intervalMs) {
            await writer.write({
              targetId,
              scheduledAt: slot,
              startedAt: Date.now(),
              outcome: 'missed',
              latencyMs: null,
              statusCode: null,
              error: 'not probed in time: no worker ran this slot',
              consecutiveFailures: judgement.consecutiveFailures,
              consecutiveSuccesses: judgement.consecutiveSuccesses,
            });
            checked.push({ scheduledAt: slot, outcome: 'missed' });
            continue;
          }
          if (i > 0 || !input.firstSlotIsDue) await waitUntil(ctx, slot);
          const startedAt = Date.now();
          const result = await runProbe(input.probe, { guard, signal: ctx.cancellationSignal });
          const { next, flip } = judge(judgement, result.outcome, slot, thresholds);
          await writer.write({
            targetId,
            scheduledAt: slot,
            startedAt,
            outcome: result.outcome,
            latencyMs: result.latencyMs,
            statusCode: result.statusCode ?? null,
            error: result.error ?? null,
            consecutiveFailures: next.consecutiveFailures,
            consecutiveSuccesses: next.consecutiveSuccesses,
          });
          judgement = next;
          checked.push({ scheduledAt: slot, outcome: result.outcome, latencyMs: result.latencyMs, error: result.error });
          if (flip) break;
          heartbeat(ctx);
        }
        return { checked };
      } catch (err) {
        // On shutdown, hand the rest of the window back at once: the retry on another worker resumes from the clock.
        if (err instanceof CancelledFailure && ctx.cancellationDetails?.workerShutdown) {
          throw ApplicationFailure.retryable('worker shutting down', 'WorkerShutdown');
        }
        throw err;
      }
    },
  };
}
