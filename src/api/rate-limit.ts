import type { RequestHandler } from 'express';
import { Problem } from './problems';

/**
 * Per-client-address token buckets for unauthenticated traffic: public routes (health, status pages, pings, the
 * OpenAPI document) and requests with a bad API key. Authenticated requests are not limited here.
 *
 * This is the one thing the API keeps in memory between requests, on purpose: it is protection, not data. Losing it
 * on a restart loses nothing anyone reads back, and each instance limits on its own, so N instances admit N times the
 * rate: a bound against floods and key guessing from one address, not a quota. Quotas that must hold across instances
 * belong in front of the API (the reverse proxy or CDN), not in Postgres on every request. Behind a proxy every
 * client shares the proxy's address, so set the limit there, or raise or switch this one off (0).
 */
export function rateLimiter(opts: { perMinute: number; now?: () => number; maxClients?: number }): RequestHandler {
  const { perMinute, now = Date.now, maxClients = 10_000 } = opts;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;
  const take = (client: string): number => {
    const t = now();
    const bucket = buckets.get(client) ?? { tokens: perMinute, at: t };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.at) * refillPerMs);
    bucket.at = t;
    if (!buckets.has(client)) {
      // Memory stays bounded: when full, forget the buckets that have refilled (they are as good as new).
      if (buckets.size >= maxClients) {
        for (const [key, b] of buckets) if (b.tokens + (t - b.at) * refillPerMs >= perMinute) buckets.delete(key);
      }
      // Still full: a flood from more addresses than a per-address limit can stop; fail open, not on everyone.
      if (buckets.size >= maxClients) return 0;
      buckets.set(client, bucket);
    }
    if (bucket.tokens < 1) return Math.ceil((1 - bucket.tokens) / refillPerMs / 1000);
    bucket.tokens -= 1;
    return 0;
  };
  return (req, _res, next) => {
    if (perMinute <= 0) return next();
    const waitSeconds = take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (waitSeconds > 0) {
      return next(new Problem('rate-limited', `at most ${perMinute} unauthenticated requests a minute from one address`, { retryAfterSeconds: waitSeconds }));
    }
    next();
  };
}
