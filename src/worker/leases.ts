import { ActivityNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Pool } from 'pg';
import type { ProbeWindowRegistry } from '../activities/checks';
import { GroupCommit } from '../db/group-commit';
import { registerProbeWindows, removeProbeWindows, removeWindowsOf, takeSupersededWindows, windowsOf, type ProbeWindowRow } from '../db/probe-windows';
import { acquireLease, claimExpiredLeases, dropLease, renewLease } from '../db/worker-leases';

/**
 * Renewed every 10 s, a lease lasts 30 s: a worker is taken for dead only after missing two renewals in a row (a GC
 * pause or a slow statement is not a death), and a killed worker's windows are failed over 20-40 s after the kill.
 * Each renewal is one small statement per worker, whatever the number of windows.
 */
export const LEASE_RENEW_EVERY_MS = 10_000;
export const LEASE_TTL_MS = 30_000;
/** Failures sent to Temporal at once while failing a dead worker's windows over. */
const FAILOVER_CONCURRENCY = 20;

export interface WorkerLeaseOptions {
  renewEveryMs?: number;
  ttlMs?: number;
}

const keyOf = (taskToken: Uint8Array) => Buffer.from(taskToken).toString('base64');

/**
 * This worker process's lease in Postgres, and the probe windows it runs, in place of a heartbeat per window to
 * Temporal. Each window registers its task token when it starts (group-committed) and is forgotten at the next
 * renewal after it ends. At every renewal the worker also:
 * - stops its windows that a newer window of the same target superseded (an operator's command interrupted them, and
 *   without heartbeats the cancellation never reaches the activity);
 * - claims the leases that expired and fails their windows through the async-completion client, so Temporal retries
 *   each at once on a live worker.
 * Should this worker's own lease be claimed (it was taken for dead), its windows stop, since Temporal runs them
 * elsewhere, and it takes a new lease.
 */
export class WorkerLease implements ProbeWindowRegistry {
  private workerId = newWorkerId();
  private readonly renewEveryMs: number;
  private readonly ttlMs: number;
  private readonly running = new Map<string, AbortController>();
  private readonly ended: Uint8Array[] = [];
  private readonly registrations: GroupCommit<ProbeWindowRow, void>;
  private timer: NodeJS.Timeout | undefined;
  private tickInFlight: Promise<void> = Promise.resolve();
  /** Reaping waits for one renewal after a failed one: after a Postgres outage every lease has expired, not died. */
  private renewedLastTime = false;

  constructor(
    private readonly pool: Pool,
    private readonly temporal: Client,
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

  async start(): Promise<void> {
    await acquireLease(this.pool, this.workerId, this.ttlMs);
    this.renewedLastTime = true;
    this.schedule();
  }

  /** Stops renewing and gives the lease and its rows up: the windows were handed back to Temporal on shutdown. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.tickInFlight;
    await removeWindowsOf(this.pool, this.workerId);
    await dropLease(this.pool, this.workerId);
  }

  /** Registers a window before it probes; the signal aborts once it must stop (superseded, or failed over). */
  async register(taskToken: Uint8Array, targetId: string): Promise<AbortSignal> {
    const stop = new AbortController();
    this.running.set(keyOf(taskToken), stop);
    try {
      await this.registrations.submit({ taskToken, targetId });
    } catch (err) {
      this.running.delete(keyOf(taskToken));
      throw err;
    }
    return stop.signal;
  }

  unregister(taskToken: Uint8Array): void {
    if (this.running.delete(keyOf(taskToken))) this.ended.push(taskToken);
  }

  /** One renewal: exposed for tests, which drive it instead of waiting for the timer. */
  async tick(): Promise<void> {
    const run = this.renew();
    this.tickInFlight = run.catch(() => undefined);
    await run;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.tick()
        .catch((err) => Runtime.instance().logger.warn('worker lease renewal failed', { workerId: this.workerId, error: String(err) }))
        .finally(() => {
          if (this.timer) this.schedule();
        });
    }, this.renewEveryMs);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const renewedBefore = this.renewedLastTime;
    this.renewedLastTime = false;
    if (!(await renewLease(this.pool, this.workerId, this.ttlMs))) {
      await this.leaseLost();
    } else {
      this.renewedLastTime = true;
    }
    const ended = this.ended.splice(0);
    if (ended.length > 0) await removeProbeWindows(this.pool, ended);
    for (const token of await takeSupersededWindows(this.pool, this.workerId)) this.running.get(keyOf(token))?.abort();
    if (renewedBefore && this.renewedLastTime) await this.reap();
  }

  /** Taken for dead: Temporal is running this worker's windows elsewhere, so they stop here, and a new lease begins. */
  private async leaseLost(): Promise<void> {
    Runtime.instance().logger.warn('worker lease was claimed by another worker: stopping its probe windows', { workerId: this.workerId });
    for (const stop of this.running.values()) stop.abort();
    this.running.clear();
    this.ended.length = 0;
    this.workerId = newWorkerId();
    await acquireLease(this.pool, this.workerId, this.ttlMs);
  }

  private async reap(): Promise<void> {
    for (const dead of await claimExpiredLeases(this.pool, this.workerId, this.ttlMs)) {
      const tokens = await windowsOf(this.pool, dead);
      let failedOver = 0;
      for (let i = 0; i < tokens.length; i += FAILOVER_CONCURRENCY) {
        const settled = await Promise.allSettled(tokens.slice(i, i + FAILOVER_CONCURRENCY).map((t) => this.failOver(t)));
        const done = tokens.slice(i, i + FAILOVER_CONCURRENCY).filter((_, j) => settled[j]!.status === 'fulfilled');
        if (done.length > 0) await removeProbeWindows(this.pool, done);
        failedOver += done.length;
      }
      // A window Temporal could not be told about stays, with the lease: the claim expires and a reaper tries again.
      if (failedOver < tokens.length) continue;
      await dropLease(this.pool, dead, { reapedBy: this.workerId });
      Runtime.instance().logger.info('failed over the probe windows of a worker whose lease expired', { worker: dead, windows: tokens.length, by: this.workerId });
    }
  }

  private async failOver(taskToken: Uint8Array): Promise<void> {
    try {
      await this.temporal.activity.fail(taskToken, ApplicationFailure.retryable('its worker stopped renewing its lease', 'WorkerLost'));
    } catch (err) {
      // The window already ended (completed, timed out, or retried elsewhere): nothing to fail over.
      if (!(err instanceof ActivityNotFoundError)) throw err;
    }
  }
}

const newWorkerId = () => `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
