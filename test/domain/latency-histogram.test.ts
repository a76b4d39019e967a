import {
  decodeHistogram,
  HISTOGRAM_DIGIT,
  LATENCY_BUCKETS,
  latencyBucket,
  percentile,
  PERCENTILE_RELATIVE_ERROR,
  type LatencySummary,
} from '../../src/domain/latency-histogram';
import { responseTime, seeded } from '../support/random';

const summarise = (values: number[]): LatencySummary => {
  const buckets = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const v of values) buckets[latencyBucket(v)]!++;
  return { count: values.length, sumMs: values.reduce((a, b) => a + b, 0), minMs: Math.min(...values), maxMs: Math.max(...values), buckets };
};

const exactPercentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
};

describe('latency histogram', () => {
  it('puts each latency in one of 70 log-spaced buckets, four per doubling, with powers of two opening a bucket', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1)).toBe(1);
    expect(latencyBucket(2)).toBe(5);
    expect(latencyBucket(1023)).toBe(40);
    expect(latencyBucket(1024)).toBe(41);
    expect(latencyBucket(131_071)).toBe(68);
    expect(latencyBucket(131_072)).toBe(LATENCY_BUCKETS - 1);
    expect(latencyBucket(10_000_000)).toBe(LATENCY_BUCKETS - 1);
    const steps = new Set<number>();
    for (let ms = 1; ms < 200_000; ms++) steps.add(latencyBucket(ms) - latencyBucket(ms - 1));
    expect([...steps].every((step) => step >= 0)).toBe(true);
  });

  it('reads small latencies back exactly: below 8 ms every whole ms has a bucket of its own', () => {
    for (let ms = 0; ms < 8; ms++) expect(percentile(summarise([ms, ms, 1000]), 50)).toBe(ms);
  });

  it('reads p50, p95 and p99 back within the documented error of the exact nearest-rank value', () => {
    const random = seeded(7);
    for (let run = 0; run < 50; run++) {
      const values = Array.from({ length: 50 + run * 20 }, () => responseTime(random));
      const summary = summarise(values);
      for (const p of [50, 95, 99, 100]) {
        const exact = exactPercentile(values, p);
        expect(Math.abs(percentile(summary, p)! - exact)).toBeLessThanOrEqual(exact * PERCENTILE_RELATIVE_ERROR + 0.5);
      }
    }
    expect(PERCENTILE_RELATIVE_ERROR).toBeCloseTo(0.0905, 4);
  });

  it('gives the exact min and max at the extremes, and nothing for an empty range', () => {
    const summary = summarise([13, 17, 900, 901]);
    expect(percentile(summary, 0.001)).toBe(13);
    expect(percentile(summary, 100)).toBe(901);
    expect(percentile({ count: 0, sumMs: 0, minMs: null, maxMs: null, buckets: [] }, 50)).toBeNull();
  });

  it('reads bucket counts back from their stored form, one base-2^32 digit per bucket', () => {
    const digit = BigInt(HISTOGRAM_DIGIT);
    const stored = 7n + 3n * digit ** 41n + (digit - 1n) * digit ** 69n;
    const buckets = decodeHistogram(stored.toString());
    expect(buckets).toHaveLength(LATENCY_BUCKETS);
    expect(buckets.flatMap((n, b) => (n ? [[b, n]] : []))).toEqual([
      [0, 7],
      [41, 3],
      [69, HISTOGRAM_DIGIT - 1],
    ]);
    expect(decodeHistogram('0')).toEqual(new Array(LATENCY_BUCKETS).fill(0));
  });
});
