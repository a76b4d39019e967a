import { ActivityNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import type { ProbeWindowRunner, SlotProber } from '../activities/checks';
import { failingFast } from '../activities/failures';
import { openHeaders, sealHeaders, withProbeHeaders, type SecretBox } from '../codec/secrets';
import type { RunChecksInput, RunChecksResult } from '../contracts/probes';
import { storedResults, type StoredOutcome } from '../db/check-results';
import { GroupCommit } from '../db/group-commit';
import {
  adoptWindowsOf,
  registerProbeWindows,
  removeProbeWindows,
  takeSupersededWindows,
  type AdoptedWindowRow,
  type ProbeWindowRow,
} from '../db/probe-windows';
import { acquireLease, claimExpiredLeases, dropLease, releaseLease, renewLease } from '../db/worker-leases';

/**
 * Renewed every 10 s, a lease lasts 30 s: a worker is taken for dead only after missing two renewals in a row (a GC
 * pause or a slow statement is not a death), and a killed worker's windows are taken over 20-40 s after the kill.
 * Each renewal is one small statement per worker, whatever the number of windows.
 */
export const LEASE_RENEW_EVERY_MS = 10_000;
export const LEASE_TTL_MS = 30_000;
/** Leases a worker claims at one renewal. */
const LEASES_CLAIMED_AT_ONCE = 1;
/** Failures sent to Temporal at once for windows registered without their input (see reap). */
const FAILOVER_CONCURRENCY = 20;
/** The longest wait between two attempts to tell Temporal that a window ended. */
const MAX_REPORT_BACKOFF_MS = 10_000;

/** Why a window stops before its end: its target's workflow moved on, this worker is stopping, or it was taken for dead. */
type StopReason = 'superseded' | 'handed-over' | 'lost';

export interface WorkerLeaseOptions {
  renewEveryMs?: number;
  ttlMs?: number;
}

interface RunningWindow {
  stop: AbortController;
  done: Promise<void>;
}

const keyOf = (taskToken: Uint8Array) => Buffer.from(taskToken).toString('base64');

/**
 * This worker process's lease in Postgres, and the probe windows it runs, in place of a running activity and a
 * heartbeat per window. A window's activity registers it (task token and input, group-committed) and hands it over
 * here; it runs in this process, and its activity is completed by task token when it ends. At every renewal the
 * worker also:
 * - stops its windows that a newer window of the same target superseded (an operator's command interrupted them, and
 *   without heartbeats the cancellation never reaches them);
 * - claims the leases that expired (a worker died, or stopped and released its lease) and carries their windows on
 *   itself, from the slot they reached: no Temporal round trip, and no slot probed twice.
 * On shutdown the windows stop where they are and the lease is released, for a live worker (or the next one to start)
 * to take them over. Should this worker's own lease be claimed (it was taken for dead), its windows stop, since
 * another worker runs them now, and it takes a new lease.
 */
export class WorkerLease implements ProbeWindowRunner {
  private workerId = newWorkerId();
  private readonly renewEveryMs: number;
  private readonly ttlMs: number;
  private readonly running = new Map<string, RunningWindow>();
  private readonly ended: Uint8Array[] = [];
  private readonly registrations: GroupCommit<ProbeWindowRow, void>;
  private timer: NodeJS.Timeout | undefined;
  private tickInFlight: Promise<void> = Promise.resolve();
  /** Aborts once stop() begins: a wait for Temporal gives up, and the windows are handed over. */
  private readonly stopping = new AbortController();
  /** Reaping waits for one renewal after a failed one: after a Postgres outage every lease has expired, not died. */
  private renewedLastTime = false;

  constructor(
    private readonly pool: Pool,
    private readonly temporal: Client,
    private readonly probeSlots: SlotProber,
    /** A window's input is stored with its probe headers sealed: sealed once as it registers, opened once if adopted. */
    private readonly secrets: SecretBox,
    opts: WorkerLeaseOptions = {},
  ) {
    this.renewEveryMs = opts.renewEveryMs ?? LEASE_RENEW_EVERY_MS;
    this.ttlMs = opts.ttlMs ?? LEASE_TTL_MS;
    this.registrations = new GroupCommit<ProbeWindowRow, void>(
      async (windows) => {
        await registerProbeWindows(this.pool, this.workerId, windows);
        return windows.map(() => undefined);
      },
      { maxBatch: 500, maxInFlight: 1 },
    );
  }

  get id(): string {
    return this.workerId;
  }

  /** The windows this process runs now. */
  get windowCount(): number {
    return this.running.size;
  }

  /** Takes a lease, and at once the windows of any lease that expired (a whole stack restarting finds them all so). */
  async start(): Promise<void> {
    await acquireLease(this.pool, this.workerId, this.ttlMs);
    this.renewedLastTime = true;
    // The first renewal runs before start() returns, so nothing it does races the caller's next step.
    await this.renewLogged();
    if (!this.stopping.signal.aborted) this.schedule();
  }

  /**
   * Stops renewing; stops every window where it is, without ending its activity, and releases the lease, so that a
   * live worker carries the windows on at its next renewal.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.tickInFlight;
    const windows = [...this.running.values()];
    for (const w of windows) w.stop.abort('handed-over' satisfies StopReason);
    await Promise.all(windows.map((w) => w.done));
    await this.forgetEnded();
    await releaseLease(this.pool, this.workerId);
  }

  /** Registers a window, then runs it here until it ends, is superseded, or is handed over. */
  async runWindow(taskToken: Uint8Array, input: RunChecksInput): Promise<void> {
    const stored = withProbeHeaders(input, (headers) => sealHeaders(this.secrets, headers));
    await this.registrations.submit({ taskToken, targetId: input.targetId, input: stored });
    this.launch(taskToken, input);
  }

  /** One renewal: exposed for tests, which drive it instead of waiting for the timer. */
  async tick(): Promise<void> {
    const run = this.renew();
    this.tickInFlight = run.catch(() => undefined);
    await run;
  }

  private launch(taskToken: Uint8Array, input: RunChecksInput, opts: { recorded?: ReadonlyMap<number, StoredOutcome>; superseded?: boolean } = {}): void {
    const key = keyOf(taskToken);
    const stop = new AbortController();
    if (opts.superseded) stop.abort('superseded' satisfies StopReason);
    const done = this.carryOut(taskToken, input, stop.signal, opts.recorded).finally(() => {
      if (this.running.get(key)?.stop === stop) this.running.delete(key);
    });
    this.running.set(key, { stop, done });
  }

  /** Runs a window to its end and tells Temporal how it ended, unless it was handed over or taken for lost. */
  private async carryOut(taskToken: Uint8Array, input: RunChecksInput, signal: AbortSignal, recorded?: ReadonlyMap<number, StoredOutcome>): Promise<void> {
    let outcome: { result: RunChecksResult } | { error: Error };
    try {
      outcome = { result: await this.probeSlots(input, { signal, recorded }) };
    } catch (err) {
      // Vigil's own failure (Postgres unreachable for too long): Temporal retries the window as it retries an activity.
      const failure = failingFast(err);
      outcome = { error: failure instanceof Error ? failure : new Error(String(failure)) };
    }
    const reason = signal.aborted ? (signal.reason as StopReason) : undefined;
    // Another worker runs this window now, or will: it is the one to end it.
    if (reason === 'handed-over' || reason === 'lost') return;
    if (await this.report(taskToken, outcome)) this.ended.push(taskToken);
  }

  /**
   * Completes or fails a window's activity, trying again while Temporal is unreachable. False if this worker stopped
   * first: its row stays, and the worker that takes it over finds every slot recorded and reports them.
   */
  private async report(taskToken: Uint8Array, outcome: { result: RunChecksResult } | { error: Error }): Promise<boolean> {
    for (let backoff = 1_000; ; backoff = Math.min(2 * backoff, MAX_REPORT_BACKOFF_MS)) {
      try {
        if ('result' in outcome) await this.temporal.activity.complete(taskToken, outcome.result);
        else await this.temporal.activity.fail(taskToken, outcome.error);
        return true;
      } catch (err) {
        // The attempt is over already (timed out, or the window was failed over): nothing is waiting for it.
        if (err instanceof ActivityNotFoundError) return true;
        Runtime.instance().logger.warn('could not tell Temporal that a probe window ended; trying again', { error: String(err) });
      }
      if (this.stopping.signal.aborted) return false;
      await sleep(backoff, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      if (this.stopping.signal.aborted) return false;
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.renewLogged().finally(() => {
        if (this.timer) this.schedule();
      });
    }, this.renewEveryMs);
    this.timer.unref();
  }

  private renewLogged(): Promise<void> {
    return this.tick().catch((err) => Runtime.instance().logger.warn('worker lease renewal failed', { workerId: this.workerId, error: String(err) }));
  }

  private async renew(): Promise<void> {
    const renewedBefore = this.renewedLastTime;
    this.renewedLastTime = false;
    if (!(await renewLease(this.pool, this.workerId, this.ttlMs))) {
      await this.leaseLost();
    } else {
      this.renewedLastTime = true;
    }
    await this.forgetEnded();
    for (const token of await takeSupersededWindows(this.pool, this.workerId)) this.running.get(keyOf(token))?.stop.abort('superseded' satisfies StopReason);
    if (renewedBefore && this.renewedLastTime) await this.reap();
  }

  /** Removes the rows of the windows that ended since the last time. */
  private async forgetEnded(): Promise<void> {
    const ended = this.ended.splice(0);
    if (ended.length > 0) await removeProbeWindows(this.pool, ended);
  }

  /** Taken for dead: another worker runs this worker's windows now, so they stop here, and a new lease begins. */
  private async leaseLost(): Promise<void> {
    Runtime.instance().logger.warn('worker lease was claimed by another worker: stopping its probe windows', { workerId: this.workerId });
    for (const w of this.running.values()) w.stop.abort('lost' satisfies StopReason);
    this.running.clear();
    this.ended.length = 0;
    this.workerId = newWorkerId();
    await acquireLease(this.pool, this.workerId, this.ttlMs);
  }

  /**
   * Claims a lease that expired and carries its windows on here. One a renewal: after a restart, each worker takes
   * one of the leases the stopped workers released, rather than the first to start taking them all.
   */
  private async reap(): Promise<void> {
    for (const gone of await claimExpiredLeases(this.pool, this.workerId, this.ttlMs, LEASES_CLAIMED_AT_ONCE)) {
      const windows = await adoptWindowsOf(this.pool, gone, this.workerId);
      const opened = windows.map((w) => ({ ...w, input: this.openedInput(w.input) }));
      await this.adopt(opened.filter((w): w is typeof w & { input: RunChecksInput } => w.input !== null));
      await this.failOver(opened.filter((w) => w.input === null));
      await dropLease(this.pool, gone, this.workerId);
      Runtime.instance().logger.info('took over the probe windows of a worker whose lease expired', {
        worker: gone,
        windows: windows.length,
        by: this.workerId,
      });
    }
  }

  /**
   * A taken-over window's input with its probe headers opened; null when there is none (registered before windows
   * were adopted) or it cannot be opened (sealed with a key no longer listed): such a window is failed over instead,
   * and Temporal's retry starts it afresh.
   */
  private openedInput(input: unknown): RunChecksInput | null {
    if (input === null) return null;
    try {
      return withProbeHeaders(input as RunChecksInput, (headers) => openHeaders(this.secrets, headers));
    } catch (err) {
      Runtime.instance().logger.warn('a taken-over probe window cannot be opened: failing it over', { error: (err as Error).message });
      return null;
    }
  }

  /** Runs windows taken over here, each from where its worker left it: the slots it recorded are reported, not probed. */
  private async adopt(windows: (AdoptedWindowRow & { input: RunChecksInput })[]): Promise<void> {
    const now = Date.now();
    const inputs = windows.map((w) => w.input);
    const stored = await storedResults(
      this.pool,
      inputs.filter((i) => i.slots[0]! <= now).map((i) => ({ targetId: i.targetId, from: i.slots[0]!, to: now })),
    );
    for (const [i, w] of windows.entries()) this.launch(w.taskToken, inputs[i]!, { recorded: stored.get(w.targetId), superseded: w.superseded });
  }

  /**
   * Windows registered without their input, by a worker from before windows were taken over: failed through Temporal,
   * which retries each on a live worker. One Temporal cannot be told about is left to its start-to-close timeout.
   */
  private async failOver(windows: AdoptedWindowRow[]): Promise<void> {
    for (let i = 0; i < windows.length; i += FAILOVER_CONCURRENCY) {
      const batch = windows.slice(i, i + FAILOVER_CONCURRENCY).map((w) => w.taskToken);
      await Promise.allSettled(
        batch.map((t) => this.temporal.activity.fail(t, ApplicationFailure.retryable('its worker stopped renewing its lease', 'WorkerLost'))),
      );
      await removeProbeWindows(this.pool, batch);
    }
  }
}

const newWorkerId = () => `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
