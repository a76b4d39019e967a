import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startApi, unreachableTemporal, type ApiOptions, type RunningApi } from './api';
import { createTestDatabase, type TestDatabase } from './db';
import { startFakeTarget, type FakeTarget, type FakeTargetBehaviour } from './fake-target';
import { startVigilProcess, type VigilProcess } from './process';
import { startSmtp, type LocalSmtp } from './smtp';
import { startLocalTemporal, startTimeSkippingTemporal } from './temporal';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';
import { startWorker, type RunningWorker, type WorkerOptions } from './worker';

/** What a suite runs against. Only what it names is started. */
export interface StackNeeds {
  /** A fresh migrated database of its own; `worker` and `api` imply it. */
  db?: true;
  /** The Temporal dev server (`local`), or Java's test server (`time-skipping`), where timers of hours pass at once. */
  temporal?: 'local' | 'time-skipping';
  /** Vigil's worker, in this process, against the stack's Temporal and database. */
  worker?: true | WorkerOptions;
  /** The API on an ephemeral port; without `temporal`, against an address where nothing listens (Temporal down). */
  api?: true | ApiOptions;
  /** A fake monitored site, answering 200 "ok" unless told otherwise. */
  site?: true | Partial<FakeTargetBehaviour>;
  /** A webhook receiver for notifications. */
  webhooks?: true;
  /** An SMTP server for e-mail notifications. */
  smtp?: true;
}

interface StackControl {
  /** Has `stop` run when the stack stops, before everything started earlier: for what a suite starts on top of it. */
  onStop(stop: () => Promise<unknown>): void;
  /** Stops everything, last started first; a part that fails to stop does not keep the others running. */
  stop(): Promise<void>;
}

type WithDatabase = { db: true } | { worker: unknown } | { api: unknown };

/** The parts a suite asked for, typed: `stack.worker` exists only in a stack that was asked for a worker. */
export type Stack<N extends StackNeeds> = StackControl &
  (N extends WithDatabase ? { db: TestDatabase } : unknown) &
  (N extends { temporal: unknown } ? { temporal: TestWorkflowEnvironment } : unknown) &
  (N extends WithDatabase & { temporal: unknown }
    ? {
        /** Another worker on the stack's Temporal and database, stopped with the stack (a test may stop it sooner). */
        startWorker(opts?: WorkerOptions): Promise<RunningWorker>;
        /**
         * Vigil's worker as a process of its own (one a test can kill -9), probing loopback, once it has started;
         * stopped with SIGTERM with the stack.
         */
        startWorkerProcess(env?: Record<string, string>): Promise<VigilProcess>;
      }
    : unknown) &
  (N extends { worker: unknown } ? { worker: RunningWorker } : unknown) &
  (N extends { api: unknown } ? { api: RunningApi } : unknown) &
  (N extends { site: unknown } ? { site: FakeTarget } : unknown) &
  (N extends { webhooks: unknown } ? { webhooks: WebhookReceiver } : unknown) &
  (N extends { smtp: unknown } ? { smtp: LocalSmtp } : unknown);

const optionsOf = <T extends object>(need: true | T): Partial<T> => (need === true ? {} : need);

/**
 * Starts what `needs` names, the independent parts at once, then the worker and the API on top. If any part fails to
 * start, what did start is stopped before the error is thrown.
 */
async function startStack<const N extends StackNeeds>(needs: N): Promise<Stack<N>> {
  const stops: (() => Promise<unknown>)[] = [];
  const parts: Record<string, unknown> = {};
  const control: StackControl = {
    onStop: (stop) => void stops.push(stop),
    stop: async () => {
      const errors: unknown[] = [];
      for (let stop = stops.pop(); stop; stop = stops.pop()) await stop().catch((err: unknown) => errors.push(err));
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, 'parts of the test stack failed to stop');
    },
  };
  /** One part starting; once it runs, the stack stops it. */
  const part = async <T>(name: string, starting: Promise<T>, stop: (t: T) => Promise<unknown>): Promise<T> => {
    const started = await starting;
    parts[name] = started;
    stops.push(() => stop(started));
    return started;
  };
  /** Waits for every start, so that each one that succeeds is stopped even when another fails. */
  const all = async (starts: (Promise<unknown> | false | undefined)[]) => {
    const failed = (await Promise.allSettled(starts)).find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  };

  const { temporal: kind, worker, api, site, webhooks, smtp } = needs;
  if (worker && !kind) throw new Error('a worker needs Temporal: ask for `temporal` too');
  const startTemporal = kind === 'local' ? startLocalTemporal : startTimeSkippingTemporal;
  try {
    const db = needs.db || worker || api ? part('db', createTestDatabase(), (d) => d.drop()) : undefined;
    const temporal = kind ? part('temporal', startTemporal(), (t) => t.teardown()) : undefined;
    await all([
      db,
      temporal,
      site && part('site', startFakeTarget(optionsOf(site)), (s) => s.close()),
      webhooks && part('webhooks', startWebhookReceiver(), (r) => r.close()),
      smtp && part('smtp', startSmtp(), (s) => s.close()),
    ]);
    // Both awaited above: these only read them.
    const [onDb, onTemporal] = [await db, await temporal];
    await all([
      worker && part('worker', startWorker(onTemporal!, onDb!.pool, optionsOf(worker)), (w) => w.stop()),
      api && part('api', startApi(onDb!, onTemporal?.client ?? unreachableTemporal(), optionsOf(api)), (a) => a.close()),
    ]);
  } catch (err) {
    await control.stop().catch(() => undefined);
    throw err;
  }
  if (parts.temporal && parts.db) {
    parts.startWorker = async (opts?: WorkerOptions) => {
      const another = await startWorker(parts.temporal as TestWorkflowEnvironment, (parts.db as TestDatabase).pool, opts);
      control.onStop(() => another.stop());
      return another;
    };
    parts.startWorkerProcess = async (env: Record<string, string> = {}) => {
      const worker = startVigilProcess('worker', {
        DATABASE_URL: (parts.db as TestDatabase).url,
        TEMPORAL_ADDRESS: (parts.temporal as TestWorkflowEnvironment).address,
        VIGIL_PROBE_ALLOW_CIDRS: '127.0.0.0/8',
        ...env,
      });
      control.onStop(() => worker.stop('SIGTERM'));
      await worker.waitFor(/worker started/, 120_000);
      return worker;
    };
  }
  return { ...parts, ...control } as Stack<N>;
}

/**
 * The stack a suite's tests run against: started before them (before each, with `perTest`) and stopped after. The
 * object returned is filled in once the stack has started, so tests, not the describe block, read its parts.
 */
export function useStack<const N extends StackNeeds>(needs: N, opts: { perTest?: boolean } = {}): Stack<N> {
  const stack = {} as Stack<N>;
  let starting: Promise<Stack<N>> | undefined;
  (opts.perTest ? beforeEach : beforeAll)(async () => {
    starting = startStack(needs);
    Object.assign(stack, await starting);
  });
  (opts.perTest ? afterEach : afterAll)(async () => {
    // A start that outlived its hook's timeout may still finish: what it started is stopped all the same.
    await starting?.then(
      (started) => started.stop(),
      () => undefined,
    );
  });
  return stack;
}
