import { isRefusedRow } from './errors';

/**
 * Group commit: concurrent callers each submit an item and wait; items that arrive while a batch is in flight go
 * together in the next one, as one statement and one commit. Every promise settles only after its own item's batch
 * committed, so there is no buffer a crash can lose, and when idle an item goes out at once, unbatched. This is how
 * hundreds of probe results or pings a second cost a handful of round trips and WAL flushes instead of hundreds.
 *
 * `lingerMs` holds an item that finds the writer idle for up to that long, so the items that follow join its batch:
 * without it, a steady trickle (a hundred probe results a second, each written in a few milliseconds) never finds a
 * batch in flight and goes out one item per statement. Callers that answer a person (pings) leave it at 0.
 */
export class GroupCommit<Item, Result> {
  private readonly queue: Pending<Item, Result>[] = [];
  private inFlight = 0;
  private lingering: NodeJS.Timeout | undefined;

  /** `commitBatch` answers one result per item, in order; it is called with at most `maxBatch` items. */
  constructor(
    private readonly commitBatch: (items: Item[]) => Promise<Result[]>,
    private readonly opts: { maxBatch: number; maxInFlight: number; lingerMs?: number; onBatch?: (size: number) => void },
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight >= this.opts.maxInFlight) return;
    const lingerMs = this.opts.lingerMs ?? 0;
    if (lingerMs <= 0 || this.queue.length >= this.opts.maxBatch) {
      clearTimeout(this.lingering);
      this.lingering = undefined;
      void this.drain();
    } else {
      this.lingering ??= setTimeout(() => {
        this.lingering = undefined;
        // A batch that went out meanwhile (a full one) takes these items with it once it commits.
        if (this.inFlight < this.opts.maxInFlight) void this.drain();
      }, lingerMs);
    }
  }

  private async drain(): Promise<void> {
    this.inFlight++;
    try {
      while (this.queue.length > 0) await this.commit(this.queue.splice(0, this.opts.maxBatch));
    } finally {
      this.inFlight--;
    }
  }

  private async commit(batch: Pending<Item, Result>[]): Promise<void> {
    this.opts.onBatch?.(batch.length);
    try {
      const results = await this.commitBatch(batch.map((p) => p.item));
      for (const [i, p] of batch.entries()) p.resolve(results[i]!);
    } catch (err) {
      // An item the database rejects (SQLSTATE classes 22, 23) must not fail its neighbours: retry them one by one.
      if (batch.length > 1 && isRefusedRow(err)) {
        for (const p of batch) await this.commit([p]);
      } else {
        for (const p of batch) p.reject(err);
      }
    }
  }
}

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (err: unknown) => void;
}
