/**
 * Vigil's REST API as the command-line client calls it: JSON in and out, the key as a bearer token, problem details
 * turned into an ApiError that says what the server said. Requests that are safe to send again (reads, PUT, PATCH,
 * DELETE, and POSTs with an Idempotency-Key) are retried when the server could not be reached or asked to wait (503
 * with Retry-After), a bounded number of times: the same request, the same key, so a retry never does a thing twice.
 */

export interface ApiProblem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly problem: ApiProblem,
    what: string,
  ) {
    const fields = problem.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    super(`${what}: ${status} ${problem.detail ?? problem.title ?? ''}${fields ? ` (${fields})` : ''}`);
  }
}

/** The server could not be reached at all (after the retries). */
export class Unreachable extends Error {
  override name = 'Unreachable';
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as Idempotency-Key: a POST with one is retried as safely as a PUT. */
  idempotencyKey?: string;
  /** Told how long the server asked to wait before a retry (503 + Retry-After), e.g. to show it. */
  onWait?: (seconds: number) => void;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Attempts of one request the server asks to wait for: with Retry-After of a few seconds, minutes to catch up. */
const ATTEMPTS = 30;
/** Attempts while the server cannot be reached at all, 0.25 s apart and doubling: a wrong address fails within seconds. */
const UNREACHABLE_ATTEMPTS = 5;
/** When the server asks to wait without saying how long. */
const DEFAULT_WAIT_SECONDS = 1;

export class VigilClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string | undefined,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const retryable = method !== 'POST' || opts.idempotencyKey !== undefined;
    const what = `${method} ${path}`;
    let unreachable = 0;
    for (let attempt = 1; ; attempt++) {
      const last = !retryable || attempt === ATTEMPTS;
      let res: Response;
      try {
        res = await fetch(new URL(path, this.baseUrl), {
          method,
          headers: {
            accept: 'application/json',
            ...(this.key ? { authorization: `Bearer ${this.key}` } : {}),
            ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}),
          },
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        });
      } catch (err) {
        unreachable++;
        if (!retryable || unreachable === UNREACHABLE_ATTEMPTS) {
          throw new Unreachable(`${what}: cannot reach ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message})`);
        }
        await this.sleep(250 * 2 ** (unreachable - 1));
        continue;
      }
      if (res.status === 204) return undefined as T;
      const text = await res.text();
      const body: unknown = text ? safeJson(text) : undefined;
      if (res.ok) return body as T;
      // 503: Temporal or the database unavailable, or the workers behind (an import admitted later); 409 from an
      // Idempotency-Key still running (a retry of ours overtook the first attempt).
      const waits =
        res.status === 503 ||
        res.status === 502 ||
        res.status === 504 ||
        (res.status === 409 && (body as ApiProblem)?.type?.endsWith('/idempotency-key-in-use'));
      if (waits && !last) {
        const seconds = Number(res.headers.get('retry-after')) || DEFAULT_WAIT_SECONDS;
        opts.onWait?.(seconds);
        await this.sleep(seconds * 1000);
        continue;
      }
      throw new ApiError(res.status, (body ?? {}) as ApiProblem, what);
    }
  }

  /** Every item of a list, page after page (200 a page, the most a page holds). */
  async listAll<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const url = new URL(path, 'http://vigil.invalid');
      url.searchParams.set('limit', '200');
      if (cursor) url.searchParams.set('cursor', cursor);
      const page: Page<T> = await this.get<Page<T>>(`${url.pathname}${url.search}`);
      items.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
};
