/**
 * Latency distributions as fixed arrays of log-spaced bucket counts, so that rollups can add them up (hour into
 * range, day into range) and percentiles can be read back from any sum. Pure: shared by the result writer and the API.
 *
 * Buckets, in whole milliseconds as probes report them:
 * - bucket 0 holds [0, 1) ms;
 * - bucket k, 1 ≤ k ≤ 68, holds [2^((k−1)/4), 2^(k/4)) ms: four buckets per doubling, up to 2^17 ms ≈ 131 s;
 * - bucket 69 holds everything from 2^17 ms (longer than any probe may run).
 *
 * A percentile is answered with the geometric middle of the bucket holding it, clamped to the range's exact min and
 * max and rounded to whole ms, so it is within 2^(1/8) − 1 ≈ 9.05 % of the exact value (nearest-rank definition),
 * plus at most 0.5 ms from the rounding. Below 8 ms each integer has a bucket of its own, so small values are exact.
 *
 * Stored, a histogram is one integer (a Postgres NUMERIC) whose base-2^32 digits are the bucket counts:
 * Σ count(b) · 2^(32·b). Adding histograms is then adding integers, which Postgres does natively and fast (`+`,
 * `sum`), where adding arrays element by element would need a function call per row (measured 30 times slower). Each
 * count must stay below 2^32 so that it never carries into the next bucket: a two-year range of one-second probes
 * holds 63 million.
 */

export const LATENCY_BUCKETS = 70;
const PER_DOUBLING = 4;
const OVERFLOW = LATENCY_BUCKETS - 1;

/** The largest relative error of a percentile read from a histogram (before rounding to whole ms). */
export const PERCENTILE_RELATIVE_ERROR = 2 ** (1 / (2 * PER_DOUBLING)) - 1;

/** The bucket a latency falls in. Exact for whole ms: 4·log2(ms) is an integer only at powers of two. */
export function latencyBucket(ms: number): number {
  if (ms < 1) return 0;
  return Math.min(OVERFLOW, Math.floor(PER_DOUBLING * Math.log2(ms)) + 1);
}

/** The value a bucket stands for: the geometric middle of its bounds (its lower bound for the open-ended last one). */
function representative(bucket: number): number {
  if (bucket === 0) return 0;
  if (bucket === OVERFLOW) return 2 ** ((OVERFLOW - 1) / PER_DOUBLING);
  return 2 ** ((bucket - 0.5) / PER_DOUBLING);
}

export interface LatencySummary {
  count: number;
  sumMs: number;
  minMs: number | null;
  maxMs: number | null;
  buckets: readonly number[];
}

/**
 * The nearest-rank `p`th percentile (0 < p ≤ 100): the smallest recorded value with at least p % of the values at or
 * below it, estimated from the histogram. Null when nothing was recorded.
 */
export function percentile(summary: LatencySummary, p: number): number | null {
  const { count, minMs, maxMs, buckets } = summary;
  if (count === 0 || minMs === null || maxMs === null) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * count));
  let seen = 0;
  for (const [bucket, n] of buckets.entries()) {
    seen += n;
    if (seen >= rank) return Math.round(Math.min(maxMs, Math.max(minMs, representative(bucket))));
  }
  return maxMs;
}

/** The base of the stored form: one bucket's count is one digit. */
export const HISTOGRAM_DIGIT = 2 ** 32;

/** Bucket counts from the stored integer (as the decimal text Postgres returns for NUMERIC). */
export function decodeHistogram(stored: string): number[] {
  const base = BigInt(HISTOGRAM_DIGIT);
  let rest = BigInt(stored);
  return Array.from({ length: LATENCY_BUCKETS }, () => {
    const count = Number(rest % base);
    rest /= base;
    return count;
  });
}
