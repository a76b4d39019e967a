import type { Pool } from 'pg';
import type { Farm } from './farm';
import { gridSlots, quantiles, slotsBetween, type BenchTarget, type Quantiles } from './measure';
import { round } from './procfs';
import type { BenchStack } from './stack';

/**
 * Issue 16 point 5 at the load a ramp ended on: failover kept. Two phases, one after the other, on the running stack:
 * - a worker is killed (SIGKILL, not restarted): every target whose window it held must be probed again within two
 *   minutes, by the worker left;
 * - the whole stack is stopped and started again on the same data: every target must be back on schedule within one
 *   interval and a minute of the start.
 * In both, no slot may be probed twice. One row per slot is the results table's primary key, so the farm's side is
 * counted: every request a target got must match a result row of its own (`unrecordedProbes`), which a second probe of
 * a slot, its row refused as a duplicate, would not.
 */

/** How long each phase watches before it judges: past its goal, so that a late target is measured, not cut off. */
const OBSERVE_AFTER_KILL_MS = 180_000;
const KILL_GOAL_SECONDS = 120;
const onScheduleGoalSeconds = (intervalSeconds: number) => intervalSeconds + 60;

export interface WorkerKillReport {
  worker: string;
  killedAt: string;
  /** Targets whose probe window the killed worker was running. */
  windowsHeld: number;
  /** Per such target: seconds from the kill to its next probed slot. */
  reprobedSeconds: Quantiles;
  /** Such targets not probed again within KILL_GOAL_SECONDS. */
  lateOrNever: number;
  /** Over every target, from the kill to the end of the phase. */
  missedRows: number;
  absentSlots: number;
  unrecordedProbes: number;
  broken: string[];
}

export interface RestartReport {
  stopSeconds: number;
  startSeconds: number;
  /**
   * Per target: seconds from the start of the restart to the first slot from which every slot it had until the end of
   * the phase was probed with a lag under a second.
   */
  onScheduleSeconds: Quantiles;
  /** Targets never on schedule within the phase. */
  neverOnSchedule: number;
  missedRows: number;
  absentSlots: number;
  unrecordedProbes: number;
  broken: string[];
}

export interface FailoverReport {
  targets: number;
  intervalSeconds: number;
  workerKill: WorkerKillReport;
  restart: RestartReport;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  targetId: string;
  scheduledAt: number;
  startedAt: number;
  outcome: string;
}

async function rowsBetween(pool: Pool, targets: BenchTarget[], from: number, to: number): Promise<Row[]> {
  const { rows } = await pool.query<{ target_id: string; s: string; t: string; outcome: string }>(
    `SELECT target_id, (extract(epoch FROM scheduled_at) * 1000)::bigint AS s, (extract(epoch FROM started_at) * 1000)::bigint AS t, outcome
     FROM check_results WHERE scheduled_at >= $1 AND scheduled_at < $2 AND NOT manual AND target_id = ANY($3)`,
    [new Date(from), new Date(to), targets.map((t) => t.id)],
  );
  return rows.map((r) => ({ targetId: r.target_id, scheduledAt: Number(r.s), startedAt: Number(r.t), outcome: r.outcome }));
}

/** Groups values by a key, in the order met. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(key(item));
    if (list) list.push(item);
    else map.set(key(item), [item]);
  }
  return map;
}

/** Missed rows and slots without a row in [from, to), over every target. */
function losses(targets: BenchTarget[], rows: Row[], from: number, to: number): { missedRows: number; absentSlots: number } {
  const expected = targets.reduce((n, t) => n + slotsBetween(t, from, to), 0);
  return { missedRows: rows.filter((r) => r.outcome === 'missed').length, absentSlots: Math.max(0, expected - rows.length) };
}

/**
 * Requests the farm got in [from, to) that no probed result accounts for: each request is matched to one result of its
 * target that started at most half an interval before it, each result to one request. Half an interval, not less: a
 * worker that has just taken 4,000 windows over is busy, and its requests leave seconds after their results' start
 * (a 1 s tolerance counted 4 such requests at 8,000 targets); and not more, so that a slot probed twice still leaves
 * one of its requests unmatched.
 */
async function unrecordedProbes(pool: Pool, farm: Farm, targets: BenchTarget[], from: number, to: number): Promise<number> {
  const toleranceMs = (targets[0]!.intervalSeconds * 1000) / 2;
  const { rows } = await pool.query<{ target_id: string; t: string }>(
    `SELECT target_id, (extract(epoch FROM started_at) * 1000)::bigint AS t FROM check_results
     WHERE started_at >= $1 AND started_at < $2 AND outcome <> 'missed' AND target_id = ANY($3)`,
    [new Date(from - toleranceMs), new Date(to), targets.map((t) => t.id)],
  );
  const started = groupBy(rows, (r) => r.target_id);
  const requests = farm.requestTimes();
  let unmatched = 0;
  for (const t of targets) {
    if (!t.url) continue;
    const asked = (requests.get(new URL(t.url).pathname) ?? []).filter((at) => at >= from && at < to);
    const results = (started.get(t.id) ?? []).map((r) => Number(r.t)).sort((a, b) => a - b);
    let i = 0;
    for (const at of asked) {
      while (i < results.length && results[i]! < at - toleranceMs) i++;
      if (i < results.length && results[i]! <= at) i++;
      else unmatched++;
    }
  }
  return unmatched;
}

function byTarget(rows: Row[]): Map<string, Row[]> {
  const map = groupBy(rows, (r) => r.targetId);
  for (const list of map.values()) list.sort((a, b) => a.scheduledAt - b.scheduledAt);
  return map;
}

export async function killOneWorker(stack: BenchStack, pool: Pool, farm: Farm, targets: BenchTarget[], log: (line: string) => void): Promise<WorkerKillReport> {
  const _intervalSeconds = targets[0]!.intervalSeconds;
  // The worker running the most windows goes (a worker's lease id carries its pid).
  const workers = stack.workers();
  const { rows: held } = await pool.query<{ worker_id: string; target_id: string }>('SELECT worker_id, target_id FROM probe_windows WHERE NOT superseded');
  const heldBy = (pid: number) => held.filter((w) => w.worker_id.split(':')[1] === String(pid)).map((w) => w.target_id);
  const victim = [...workers].sort((a, b) => heldBy(b.pid).length - heldBy(a.pid).length)[0]!;
  const moved = new Set(heldBy(victim.pid));
  farm.watch();
  stack.kill(victim.name);
  const killedAt = Date.now();
  log(`failover: killed ${victim.name} (pid ${victim.pid}), which ran ${moved.size} windows; watching ${OBSERVE_AFTER_KILL_MS / 1000} s`);
  await sleep(OBSERVE_AFTER_KILL_MS);
  const end = killedAt + OBSERVE_AFTER_KILL_MS - 10_000;
  // From a second after the kill: what the killed worker asked as it died has no result, by design (its slots are
  // recorded as missed).
  const unrecorded = await unrecordedProbes(pool, farm, targets, killedAt + 1_000, end);

  const rows = byTarget(await rowsBetween(pool, targets, killedAt, end));
  const reprobed = [...moved].map((id) => {
    const next = rows.get(id)?.find((r) => r.outcome !== 'missed' && r.startedAt > killedAt);
    return next ? (next.startedAt - killedAt) / 1000 : Infinity;
  });
  const lateOrNever = reprobed.filter((s) => s > KILL_GOAL_SECONDS).length;
  const report: WorkerKillReport = {
    worker: victim.name,
    killedAt: new Date(killedAt).toISOString(),
    windowsHeld: moved.size,
    reprobedSeconds: quantiles(reprobed.filter(Number.isFinite).map((s) => round(s, 1))),
    lateOrNever,
    ...losses(targets, [...rows.values()].flat(), killedAt, end),
    unrecordedProbes: unrecorded,
    broken: [],
  };
  if (moved.size === 0) report.broken.push('the killed worker ran no window');
  if (lateOrNever > 0) report.broken.push(`${lateOrNever} of ${moved.size} targets not probed again within ${KILL_GOAL_SECONDS} s of the kill`);
  if (report.absentSlots > 0) report.broken.push(`${report.absentSlots} slots without a row`);
  if (unrecorded > 0) report.broken.push(`${unrecorded} probes with no result of their own`);
  return report;
}

export async function restartStack(stack: BenchStack, pool: Pool, farm: Farm, targets: BenchTarget[], log: (line: string) => void): Promise<RestartReport> {
  const intervalSeconds = targets[0]!.intervalSeconds;
  const goal = onScheduleGoalSeconds(intervalSeconds);
  // Watched for the goal and two intervals more, so that "on schedule" is seen to last.
  const observeMs = (goal + 2 * intervalSeconds) * 1000;
  const stopping = Date.now();
  log('failover: stopping the whole stack');
  await stack.stop();
  const restarted = Date.now();
  log(`failover: stopped in ${round((restarted - stopping) / 1000, 1)} s; starting it again on the same data`);
  // Watched from here: a probe the stopping workers gave up as they drained has no result, by design.
  farm.watch();
  await stack.start();
  const started = Date.now();
  log(`failover: started in ${round((started - restarted) / 1000, 1)} s; watching ${observeMs / 1000} s`);
  await sleep(Math.max(0, restarted + observeMs + 10_000 - Date.now()));
  const end = restarted + observeMs;
  const unrecorded = await unrecordedProbes(pool, farm, targets, restarted, end);

  const rows = byTarget(await rowsBetween(pool, targets, restarted, end));
  const onSchedule = targets.map((t) => {
    const got = new Map((rows.get(t.id) ?? []).map((r) => [r.scheduledAt, r]));
    const slots = gridSlots(t, restarted, end);
    // The first slot from which every later one was probed on time.
    let from = Infinity;
    for (let i = slots.length - 1; i >= 0; i--) {
      const r = got.get(slots[i]!);
      if (!r || r.outcome === 'missed' || r.startedAt - r.scheduledAt >= 1_000) break;
      from = slots[i]!;
    }
    return (from - restarted) / 1000;
  });
  const neverOnSchedule = onSchedule.filter((s) => !Number.isFinite(s)).length;
  const report: RestartReport = {
    stopSeconds: round((restarted - stopping) / 1000, 1),
    startSeconds: round((started - restarted) / 1000, 1),
    onScheduleSeconds: quantiles(onSchedule.filter(Number.isFinite).map((s) => round(s, 1))),
    neverOnSchedule,
    ...losses(targets, [...rows.values()].flat(), restarted, end),
    unrecordedProbes: unrecorded,
    broken: [],
  };
  const late = onSchedule.filter((s) => s > goal).length;
  if (late > 0) report.broken.push(`${late} of ${targets.length} targets not on schedule within ${goal} s of the restart`);
  if (report.absentSlots > 0) report.broken.push(`${report.absentSlots} slots without a row`);
  if (unrecorded > 0) report.broken.push(`${unrecorded} probes with no result of their own`);
  return report;
}
