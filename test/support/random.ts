/** A deterministic pseudo-random source (mulberry32), so that a failing test reproduces. */
export function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal deviate (Box–Muller). */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Latencies as real services answer: log-normal around `medianMs` with a heavy tail. */
export const responseTime = (random: () => number, medianMs = 55, spread = 1.2): number => Math.round(medianMs * Math.exp(spread * gaussian(random)));
