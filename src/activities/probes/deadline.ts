import { performance } from 'node:perf_hooks';
import type { ProbeResult } from '../../domain/probe';
import { describeFailure } from './results';

class ProbeTimeout extends Error {
  override name = 'ProbeTimeout';
}

/**
 * A probe's time: its latency so far, and one signal that aborts its I/O when its timeout passes or the activity is
 * cancelled. The two end differently: a timeout is a result (down), a cancellation is thrown. Dispose of it when done.
 */
export class Deadline {
  private readonly started = performance.now();
  private readonly timeout = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly signal: AbortSignal;

  constructor(
    private readonly timeoutMs: number,
    private readonly cancellation?: AbortSignal,
  ) {
    this.timer = setTimeout(() => this.timeout.abort(new ProbeTimeout(`timed out after ${timeoutMs} ms`)), timeoutMs);
    this.signal = cancellation ? AbortSignal.any([cancellation, this.timeout.signal]) : this.timeout.signal;
  }

  get timedOut(): boolean {
    return this.timeout.signal.aborted;
  }

  elapsed(): number {
    return Math.round(performance.now() - this.started);
  }

  /**
   * The result of a probe that failed with `err`. Whatever error the aborted I/O surfaced with (an AbortError, a reset
   * socket, a cancelled query), a passed timeout reads as one; anything else is put in words by `describe`. Rethrows
   * `err` when the activity was cancelled.
   */
  down(err: unknown, describe: (err: unknown) => string = describeFailure): ProbeResult {
    if (this.cancellation?.aborted) throw err;
    const error = this.timedOut ? `timed out after ${this.timeoutMs} ms` : describe(err);
    return { outcome: 'down', latencyMs: this.elapsed(), error };
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
