import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import type { SecretBox } from '../codec/secrets';
import { claimIdempotencyKey, forgetIdempotencyKey, releaseIdempotencyKey, storeIdempotentResponse } from '../db/idempotency-keys';
import { newId, type IdPrefix } from '../ids';
import type { Logger } from '../log';
import { principalOf } from './auth/middleware';
import { Problem } from './problems';

/**
 * `Idempotency-Key` on POSTs, as Stripe does it. The first request with a key runs; its response, once it succeeded
 * (2xx), is stored in Postgres and replayed, same status and body, to every request with the same key from the same
 * API key for 24 hours (`Idempotent-Replayed: true`). The same key with another request (method, path or body) is a
 * 422; while the first still runs, a duplicate is a 409 with Retry-After, so concurrent duplicates never both run.
 *
 * A request refused with a 4xx changed nothing: the key is forgotten and can be used again. One that failed with a
 * 5xx, or whose API instance died (its lease runs out), may have done part of its work: a retry with the same key
 * runs it again as the same operation. That is safe because what it creates has an id derived from the key
 * (`idempotentId`): a retried target create starts the same workflow id, and Temporal keeps the one it has; a retried
 * bulk create the same workflow id for each item.
 *
 * The stored body is sealed (src/codec/secrets.ts): a create's answer may show secrets whole (a channel's URL or API
 * key, the only time they are shown), and it is kept for 24 hours.
 */
const LEASE_MS = 90_000; // longer than the longest request (check now: 75 s)
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'];

interface Claimed {
  principalId: string;
  key: string;
  firstSeenAt: Date;
}

/**
 * The id of what this request creates: derived from its Idempotency-Key when it has one, else new. A request that
 * creates several things passes each one's `item` (its index in the request), so each has an id of its own, the same
 * on every retry.
 */
export function idempotentId(res: Response, prefix: IdPrefix, item?: number): string {
  const claimed = res.locals.idempotency as Claimed | undefined;
  if (!claimed) return newId(prefix);
  const seed = createHash('sha256')
    .update(`${claimed.principalId}\0${claimed.key}${item === undefined ? '' : `\0${item}`}`)
    .digest();
  // The time part is when the key was first seen, kept in Postgres: ids stay in creation order, and a retry gets the same.
  return newId(prefix, claimed.firstSeenAt.getTime(), seed);
}

/** 1 to 255 visible ASCII characters: what the OpenAPI document states as the header's pattern. */
export const IDEMPOTENCY_KEY = /^[!-~]{1,255}$/;

const readKey = (header: string | undefined): string | undefined => {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new Problem('invalid-request', 'Idempotency-Key must be 1 to 255 visible ASCII characters, e.g. a UUID', {
      errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
    });
  }
  return header;
};

/** Object keys sorted at every level: the same JSON written in another order is the same request. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
        )
      : value;

export function idempotency(pool: Pool, log: Logger, secrets: SecretBox): RequestHandler {
  return async (req, res, next) => {
    const key = readKey(req.get('idempotency-key'));
    const principal = principalOf(res);
    if (key === undefined || !principal) return next();
    const requestHash = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(canonical(req.body ?? null))}`)
      .digest('hex');
    const claim = await claimIdempotencyKey(pool, { principalId: principal.keyId, key, requestHash, leaseMs: LEASE_MS });
    if (!claim.claimed) {
      if (claim.requestHash !== requestHash) {
        throw new Problem('idempotency-key-reused', 'send a new Idempotency-Key for a different request');
      }
      if (claim.response) {
        const { status, body, headers } = claim.response;
        res.status(status).set(headers).set('Idempotent-Replayed', 'true').send(secrets.open(body, 'idempotent-response'));
        return;
      }
      const waitMs = (claim.lockedUntil?.getTime() ?? Date.now()) - Date.now();
      throw new Problem('idempotency-key-in-use', 'retry once the first request with this key has been answered', {
        retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      });
    }
    res.locals.idempotency = { principalId: principal.keyId, key, firstSeenAt: claim.firstSeenAt } satisfies Claimed;
    settleBeforeAnswering(
      res,
      async (status, body) => {
        if (status >= 200 && status < 300) {
          const headers = Object.fromEntries(REPLAYED_HEADERS.flatMap((h) => (res.get(h) ? [[h, res.get(h)!]] : [])));
          await storeIdempotentResponse(pool, principal.keyId, key, { status, body: secrets.seal(body, 'idempotent-response'), headers });
        } else if (status < 500) {
          await forgetIdempotencyKey(pool, principal.keyId, key);
        } else {
          await releaseIdempotencyKey(pool, principal.keyId, key);
        }
      },
      log,
    );
    next();
  };
}

/**
 * Runs `settle` with the response's status and body before the response goes out, so a client that retries the
 * moment it has an answer finds it stored. If storing fails, the answer still goes out (the work is done); the key
 * then stays claimed until its lease runs out, and a retry after that runs as the same operation.
 */
function settleBeforeAnswering(res: Response, settle: (status: number, body: string) => Promise<void>, log: Logger): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    const chunk = typeof args[0] === 'function' ? undefined : args[0];
    const body = chunk === undefined || chunk === null ? '' : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    settle(res.statusCode, body)
      .catch((err: unknown) => log.warn({ err }, 'could not record the outcome of an idempotent request'))
      .finally(() => end(...args));
    return res;
  }) as Response['end'];
}

/** For POSTs whose answer must never be stored (it holds a secret): an Idempotency-Key is refused, not ignored. */
export const refuseIdempotencyKey: RequestHandler = (req, _res, next) => {
  if (req.get('idempotency-key') === undefined) return next();
  throw new Problem('invalid-request', 'this endpoint does not take an Idempotency-Key: its answer holds a secret that is never stored', {
    errors: [{ field: 'Idempotency-Key', message: 'not accepted here' }],
  });
};
