/**
 * Judging a heartbeat target from the latest ping of each kind it received. Pure: used by the heartbeat activity, and
 * unit-tested on its own.
 */
export interface LatestPings {
  success?: number;
  start?: number;
  fail?: number;
}

export interface HeartbeatVerdict {
  outcome: 'up' | 'down';
  error?: string;
  /** Run time of the job: its last success minus the start that preceded it, when it pinged /start. */
  durationMs?: number;
  /** When to look again: the deadline of the last success, or one period from now while down. */
  nextCheckAt: number;
}

export interface HeartbeatTiming {
  periodMs: number;
  graceMs: number;
  /** When watching began, for a target that never pinged yet; absent once it has a verdict. */
  watchingSince?: number;
}

const iso = (t: number) => new Date(t).toISOString();

export function judgeHeartbeat(latest: LatestPings, at: number, { periodMs, graceMs, watchingSince }: HeartbeatTiming): HeartbeatVerdict {
  const allowance = periodMs + graceMs;
  const again = at + periodMs;
  if (latest.fail !== undefined && (latest.success === undefined || latest.fail > latest.success)) {
    return { outcome: 'down', error: `the job reported failure at ${iso(latest.fail)}`, nextCheckAt: again };
  }
  const lastSeen = latest.success ?? watchingSince;
  if (lastSeen === undefined || at >= lastSeen + allowance) {
    const expected = `expected every ${periodMs / 1000} s, grace ${graceMs / 1000} s`;
    const error = latest.success === undefined ? `no ping yet (${expected})` : `no ping since ${iso(latest.success)} (${expected})`;
    return { outcome: 'down', error, nextCheckAt: again };
  }
  const ran = latest.start !== undefined && latest.success !== undefined && latest.start <= latest.success;
  return {
    outcome: 'up',
    ...(ran ? { durationMs: latest.success! - latest.start! } : {}),
    nextCheckAt: lastSeen + allowance,
  };
}
