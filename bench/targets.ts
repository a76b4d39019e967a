import { quantiles, type BenchTarget, type Quantiles } from './measure';
import { round } from './procfs';

/**
 * Creates targets through the API, as an operator's script would: POST /v1/targets with an admin key, a few requests
 * at a time, and at most `ratePerSecond` a second when given (an import paced to what the workers absorb). A request the
 * API defers (503 or 429 with Retry-After: Vigil cannot start more work now, and stored nothing) is counted as deferred
 * and tried again after the time it names; any other 5xx counts as an API error and is tried again too, so a step
 * always ends with the number of targets it asked for.
 */
export interface CreationReport {
  created: number;
  seconds: number;
  perSecond: number;
  apiErrors: number;
  /** Requests the API answered with 503 or 429 and a Retry-After (admission control), each tried again later. */
  deferred: number;
  /** The deferrals by what the API named as behind: `workflow` or `activity` tasks, else the problem's type. */
  deferredBy: Record<string, number>;
  /** Latency of the successful POSTs. */
  latencyMs: Quantiles;
  firstErrors: string[];
}

export interface CreatedTarget extends BenchTarget {
  body: Record<string, unknown>;
  /** Epoch ms at which the API answered 201. */
  acceptedAt: number;
}

export interface TargetBody {
  name: string;
  url?: string;
  kind?: 'http' | 'heartbeat';
  intervalSeconds: number;
  graceSeconds?: number;
}

export async function createTargets(
  opts: { apiUrl: string; adminKey: string; concurrency: number; deadline: number; ratePerSecond?: number },
  bodies: TargetBody[],
): Promise<{ targets: CreatedTarget[]; report: CreationReport; startedAt: number }> {
  const began = Date.now();
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let apiErrors = 0;
  let deferred = 0;
  const deferredBy: Record<string, number> = {};
  const created: CreatedTarget[] = [];
  let next = 0;
  const post = async (body: TargetBody): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      if (Date.now() > opts.deadline) throw new Error(`target creation ran past its deadline after ${created.length} targets`);
      const sent = Date.now();
      try {
        const res = await fetch(`${opts.apiUrl}/v1/targets`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.adminKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const answer = (await res.json()) as Record<string, unknown>;
        if (res.status === 201) {
          latencies.push(Date.now() - sent);
          created.push({ id: String(answer.id), intervalSeconds: body.intervalSeconds, url: body.url, body: answer, acceptedAt: Date.now() });
          return;
        }
        // As a client should: a 503 or 429 says when to come back.
        if ((res.status === 503 || res.status === 429) && res.headers.has('retry-after')) {
          deferred++;
          const behind = /(workflow|activity) tasks/.exec(String(answer.detail ?? ''))?.[1] ?? String(answer.type ?? res.status);
          deferredBy[behind] = (deferredBy[behind] ?? 0) + 1;
          await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
          continue;
        }
        apiErrors++;
        if (firstErrors.length < 5) firstErrors.push(`${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
        if (res.status < 500 && res.status !== 429) throw new Error(`POST /v1/targets refused: ${res.status} ${JSON.stringify(answer)}`);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('POST /v1/targets refused')) throw err;
        apiErrors++;
        if (firstErrors.length < 5) firstErrors.push(String(err));
      }
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)));
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency, bodies.length) }, async () => {
      while (next < bodies.length) {
        const n = next++;
        const due = opts.ratePerSecond ? began + (n * 1000) / opts.ratePerSecond : 0;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        await post(bodies[n]!);
      }
    }),
  );
  const seconds = (Date.now() - began) / 1000;
  return {
    startedAt: began,
    targets: created,
    report: { created: created.length, seconds: round(seconds, 1), perSecond: round(created.length / Math.max(seconds, 1e-3), 1), apiErrors, deferred, deferredBy, latencyMs: quantiles(latencies), firstErrors },
  };
}
