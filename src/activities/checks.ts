import { ApplicationFailure, CompleteAsyncError, Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckedSlot, RunChecksInput, RunChecksResult } from '../contracts/probes';
import type { CheckResultRow, CheckResultWriter, StoredOutcome, WriteResult } from '../db/check-results';
import { judge, type Judgement } from '../domain/judge';
import type { AddressGuard } from './probes/address-guard';
import { runProbe } from './probes';

/**
 * Where probe windows go once their activity hands them over (src/worker/leases.ts): the worker runs each and
 * completes its activity by task token, so that a window costs the worker no running activity while it sleeps between
 * slots, sends Temporal no heartbeats, and can be carried on by a live worker should its own stop.
 */
export interface ProbeWindowRunner {
  /** Resolves once the window is registered (in Postgres, for takeover) and running. */
  runWindow(taskToken: Uint8Array, input: RunChecksInput): Promise<void>;
}

/** Counts one slot handled: its outcome, how late it started (none for manual checks), what its write became. */
export type RecordSlot = (kind: string, outcome: string, lagMs: number | undefined, written: WriteResult['status']) => void;

export interface CheckActivityDeps {
  writer: CheckResultWriter;
  guard: AddressGuard;
  windows: ProbeWindowRunner;
  /** The worker's metrics (src/worker/metrics.ts); nothing is counted when absent. */
  recordSlot?: RecordSlot;
}

/** How one run of probeSlots goes. */
export interface SlotRun {
  /** Aborts when the run must stop: it then returns what it checked, fenced, and probes or writes nothing more. */
  signal: AbortSignal;
  /**
   * Results already stored for some of the slots (a worker that stopped ran part of this window): reported as they
   * are, never probed again.
   */
  recorded?: ReadonlyMap<number, StoredOutcome>;
}

export type SlotProber = (input: RunChecksInput, run: SlotRun) => Promise<RunChecksResult>;

/**
 * Probes each slot at its time and records each result, once per slot however often it is retried or taken over:
 * when a slot already has a result, that stored result is the one reported. Returns as soon as a result changes the
 * target's state, so the workflow decides without waiting for the window to end. A slot whose successor is already due
 * when we reach it (the worker was down, or this is a late retry) is recorded as missed: late probes are never run in
 * a burst to catch up.
 */
export function createSlotProber({ writer, guard, recordSlot = () => undefined }: Omit<CheckActivityDeps, 'windows'>): SlotProber {
  return async (input, { signal, recorded }) => {
    const { targetId, thresholds } = input;
    let judgement = input.judgement;
    const checked: CheckedSlot[] = [];
    const row = (
      slot: number,
      fields: Pick<CheckResultRow, 'startedAt' | 'outcome' | 'latencyMs' | 'statusCode' | 'error'>,
      counts: Judgement,
    ): CheckResultRow => ({
      targetId,
      scheduledAt: slot,
      manual: input.manual,
      maintenance: input.maintenance,
      configVersion: input.version,
      consecutiveFailures: counts.consecutiveFailures,
      consecutiveSuccesses: counts.consecutiveSuccesses,
      ...fields,
    });
    for (const [i, slot] of input.slots.entries()) {
      if (signal.aborted) return { checked, fenced: true };
      const stored = recorded?.get(slot);
      const late = !input.manual && Date.now() >= slot + input.intervalMs;
      let found: CheckedSlot;
      if (stored) {
        found = reported(slot, stored);
      } else if (late) {
        const error = 'not probed in time: no worker ran this slot';
        const written = await writer.write(row(slot, { startedAt: Date.now(), outcome: 'missed', latencyMs: null, statusCode: null, error }, judgement));
        recordSlot(input.probe.kind, 'missed', undefined, written.status);
        if (written.status === 'fenced') return { checked, fenced: true };
        found = written.status === 'duplicate' && written.stored ? reported(slot, written.stored) : { scheduledAt: slot, outcome: 'missed' };
      } else {
        if (i > 0 || !input.firstSlotIsDue) await waitUntil(slot, signal);
        if (signal.aborted) return { checked, fenced: true };
        const startedAt = Date.now();
        const result = await runProbe(input.probe, { guard, signal });
        // Stopped mid-probe: the probe was cut short, so its outcome says nothing about the target.
        if (signal.aborted) return { checked, fenced: true };
        const counts = judge(judgement, result.outcome, slot, thresholds).next;
        const written = await writer.write(
          row(
            slot,
            { startedAt, outcome: result.outcome, latencyMs: result.latencyMs, statusCode: result.statusCode ?? null, error: result.error ?? null },
            counts,
          ),
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
  };
}

/** Sleeps until `at`, or until `signal` aborts. */
async function waitUntil(at: number, signal: AbortSignal): Promise<void> {
  const wait = at - Date.now();
  if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
}

export function createCheckActivities({ windows, ...deps }: CheckActivityDeps) {
  const probeSlots = createSlotProber(deps);
  return {
    /**
     * Probes the input's slots (see createSlotProber). A single slot (its timer fired in the workflow, or "check now")
     * is probed here; a window of several is handed to this worker's window runner, and this activity completes when
     * the window ends, by its task token, from whichever worker then runs it.
     */
    async runChecks(input: RunChecksInput): Promise<RunChecksResult> {
      const ctx = Context.current();
      // Scheduled with a heartbeat timeout, by a workflow task from before worker leases: it would time out here
      // without heartbeats. Handed back at once, unprobed, its workflow schedules the next window without one.
      if (ctx.info.heartbeatTimeoutMs) return { checked: [], fenced: false };
      if (input.slots.length > 1) {
        await windows.runWindow(ctx.info.taskToken, input);
        throw new CompleteAsyncError();
      }
      const result = await probeSlots(input, { signal: ctx.cancellationSignal });
      // Without heartbeats, cancellation reaches this activity only when its worker shuts down: the retry probes on
      // another worker.
      if (ctx.cancellationSignal.aborted) throw ApplicationFailure.retryable('worker shutting down', 'WorkerShutdown');
      return result;
    },
  };
}

function reported(slot: number, stored: StoredOutcome): CheckedSlot {
  return { scheduledAt: slot, outcome: stored.outcome, latencyMs: stored.latencyMs ?? undefined, error: stored.error ?? undefined };
}
