import { quantiles, type BenchTarget, type Quantiles } from './measure';
import { round } from './procfs';

/**
 * Creates targets through the API, as an operator's script would: POST /v1/targets with an admin key, or with `batch`
 * over 1 POST /v1/targets/bulk with that many targets a request, a few requests at a time, and at most `ratePerSecond`
 * targets a second when given (an import paced to what the workers absorb). A request the API defers (503 or 429 with
 * Retry-After: Vigil cannot start more work now, and stored nothing) is counted as deferred, once for each target it
 * carried, and tried again after the time it names; any other 5xx counts as an API error and is tried again too, so a
 * step always ends with the number of targets it asked for. A batch carries an Idempotency-Key: its retry after a 5xx
 * (which may have created part of it) creates each of its targets once.
 */
export interface CreationReport {
  created: number;
  seconds: number;
  perSecond: number;
  apiErrors: number;
  /** Targets whose request the API answered with 503 or 429 and a Retry-After (admission control), each tried again later. */
  deferred: number;
  /** The deferrals by what the API named as behind: `workflow` or `activity` tasks, else the problem's type. */
  deferredBy: Record<string, number>;
  /** Latency of the successful POSTs (of a whole batch's, with `batch`). */
  latencyMs: Quantiles;
  firstErrors: string[];
}

export interface CreatedTarget extends BenchTarget {
  body: Record<string, unknown>;
  /** Epoch ms at which the API answered 201 (to its batch). */
  acceptedAt: number;
}

export interface TargetBody {
  name: string;
  url?: string;
  kind?: 'http' | 'heartbeat';
  intervalSeconds: number;
  graceSeconds?: number;
}

/** An answer no retry changes: the step cannot end with the targets it asked for. */
class Refused extends Error {}

export async function createTargets(
  opts: { apiUrl: string; adminKey: string; concurrency: number; deadline: number; ratePerSecond?: number; batch?: number },
  bodies: TargetBody[],
): Promise<{ targets: CreatedTarget[]; report: CreationReport; startedAt: number }> {
  const began = Date.now();
  const batch = Math.max(1, opts.batch ?? 1);
  const bulk = batch > 1;
  const path = bulk ? '/v1/targets/bulk' : '/v1/targets';
  const requests = Array.from({ length: Math.ceil(bodies.length / batch) }, (_, i) => bodies.slice(i * batch, (i + 1) * batch));
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let apiErrors = 0;
  let deferred = 0;
  const deferredBy: Record<string, number> = {};
  const created: CreatedTarget[] = [];
  let next = 0;
  const post = async (items: TargetBody[], n: number): Promise<void> => {
    const body = JSON.stringify(bulk ? { targets: items } : items[0]);
    const idempotencyKey: Record<string, string> = bulk ? { 'idempotency-key': `bench-${began}-${n}` } : {};
    for (let attempt = 1; ; attempt++) {
      if (Date.now() > opts.deadline) throw new Error(`target creation ran past its deadline after ${created.length} targets`);
      const sent = Date.now();
      try {
        const res = await fetch(`${opts.apiUrl}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.adminKey}`, 'content-type': 'application/json', ...idempotencyKey },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const answer = (await res.json()) as Record<string, unknown>;
        if (res.status === 201) {
          latencies.push(Date.now() - sent);
          const acceptedAt = Date.now();
          const targets = bulk ? (answer.targets as Record<string, unknown>[]) : [answer];
          for (const [i, target] of targets.entries())
            created.push({ id: String(target.id), intervalSeconds: items[i]!.intervalSeconds, url: items[i]!.url, body: target, acceptedAt });
          return;
        }
        // As a client should: a 503 or 429 says when to come back (and so does a 409 for a batch whose first attempt
        // the API is still working on).
        if ((res.status === 503 || res.status === 429 || (bulk && res.status === 409)) && res.headers.has('retry-after')) {
          deferred += items.length;
          const behind = /(workflow|activity) tasks/.exec(String(answer.detail ?? ''))?.[1] ?? String(answer.type ?? res.status);
          deferredBy[behind] = (deferredBy[behind] ?? 0) + items.length;
          await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
          continue;
        }
        apiErrors++;
        if (firstErrors.length < 5) firstErrors.push(`${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
        // A 207 is a batch with items refused: as final as any other 4xx.
        if (res.status < 500 && res.status !== 429) throw new Refused(`POST ${path} refused: ${res.status} ${JSON.stringify(answer)}`);
      } catch (err) {
        if (err instanceof Refused) throw err;
        apiErrors++;
        if (firstErrors.length < 5) firstErrors.push(String(err));
      }
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)));
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency, requests.length) }, async () => {
      while (next < requests.length) {
        const n = next++;
        const due = opts.ratePerSecond ? began + (n * batch * 1000) / opts.ratePerSecond : 0;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        await post(requests[n]!, n);
      }
    }),
  );
  const seconds = (Date.now() - began) / 1000;
  return {
    startedAt: began,
    targets: created,
    report: {
      created: created.length,
      seconds: round(seconds, 1),
      perSecond: round(created.length / Math.max(seconds, 1e-3), 1),
      apiErrors,
      deferred,
      deferredBy,
      latencyMs: quantiles(latencies),
      firstErrors,
    },
  };
}
