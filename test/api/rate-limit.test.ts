import type { Request, Response } from 'express';
import { rateLimiter } from '../../src/api/rate-limit';
import type { Problem } from '../../src/api/problems';

/** The per-address token bucket, on its own clock. */
describe('the rate limiter for unauthenticated traffic', () => {
  const from = (ip: string) => ({ ip, socket: {} }) as unknown as Request;
  const take = (limit: ReturnType<typeof rateLimiter>, ip: string) => {
    let refused: Problem | undefined;
    void limit(from(ip), {} as Response, (err?: unknown) => {
      refused = err as Problem | undefined;
    });
    return refused;
  };

  it('admits a burst of the limit, then one request per 60/limit seconds, each address on its own', () => {
    let now = 0;
    const limit = rateLimiter({ perMinute: 6, now: () => now });
    for (let i = 0; i < 6; i++) expect(take(limit, 'a')).toBeUndefined();
    const refused = take(limit, 'a');
    expect(refused?.type).toBe('rate-limited');
    expect(refused?.extra.retryAfterSeconds).toBe(10);
    expect(take(limit, 'b')).toBeUndefined();
    now += 10_000;
    expect(take(limit, 'a')).toBeUndefined();
    expect(take(limit, 'a')?.type).toBe('rate-limited');
  });

  it('keeps memory bounded: when full it forgets refilled buckets, and fails open rather than refuse everyone', () => {
    let now = 0;
    const limit = rateLimiter({ perMinute: 1, now: () => now, maxClients: 2 });
    expect(take(limit, 'a')).toBeUndefined();
    expect(take(limit, 'b')).toBeUndefined();
    expect(take(limit, 'c')).toBeUndefined(); // full: admitted, not tracked
    expect(take(limit, 'c')).toBeUndefined();
    expect(take(limit, 'a')?.type).toBe('rate-limited');
    now += 60_000; // a and b have refilled: forgotten to make room for d
    expect(take(limit, 'd')).toBeUndefined();
    expect(take(limit, 'd')?.type).toBe('rate-limited');
  });

  it('is off at 0', () => {
    const limit = rateLimiter({ perMinute: 0 });
    for (let i = 0; i < 100; i++) expect(take(limit, 'a')).toBeUndefined();
  });
});
