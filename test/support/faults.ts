import type { Pool } from 'pg';
import { phaseMs } from '../../src/domain/schedule';

/**
 * What the fault tests check after every fault: the invariants of Vigil's data, read straight from Postgres. Each
 * returns the violations it found (empty when all is well), so a failure lists every one of them at once.
 */

export interface SlotRow {
  ms: number;
  outcome: string;
}

export async function slotRows(pool: Pool, targetId: string): Promise<SlotRow[]> {
  const { rows } = await pool.query<{ ms: string; outcome: string }>(
    `SELECT (extract(epoch FROM scheduled_at) * 1000)::bigint AS ms, outcome
       FROM check_results WHERE target_id = $1 AND NOT manual ORDER BY scheduled_at`,
    [targetId],
  );
  return rows.map((r) => ({ ms: Number(r.ms), outcome: r.outcome }));
}

/**
 * Exactly one result per slot of each target's grid, from its first to its last: consecutive scheduled slots are
 * exactly one interval apart (no hole: nothing lost; no second row: nothing duplicated). A slot nobody could probe
 * in time is a `missed` row, never a gap.
 */
export async function slotGridViolations(pool: Pool, targetIds: readonly string[], intervalMs: number): Promise<string[]> {
  const problems: string[] = [];
  for (const id of targetIds) {
    const all = await slotRows(pool, id);
    if (all.length === 0) problems.push(`${id}: no results at all`);
    // A new target's first probe runs at once, off its grid (src/workflows/target.ts); the grid starts after it.
    const rows = all.length > 0 && (all[0]!.ms - phaseMs(id, intervalMs)) % intervalMs !== 0 ? all.slice(1) : all;
    rows.slice(1).forEach((r, i) => {
      const gap = r.ms - rows[i]!.ms;
      if (gap !== intervalMs) problems.push(`${id}: ${gap === 0 ? 'two rows' : `a gap of ${gap} ms`} at ${new Date(r.ms).toISOString()}`);
    });
  }
  return problems;
}

/**
 * The projections agree with the results they project: each target's hourly and daily rollups count exactly its rows
 * (probes, down, missed), and its status row shows its latest probed (not missed) result.
 */
export async function projectionViolations(pool: Pool, targetIds: readonly string[]): Promise<string[]> {
  const { rows } = await pool.query<{
    target_id: string;
    rows: string;
    down: string;
    missed: string;
    hourly: string | null;
    hourly_down: string | null;
    hourly_missed: string | null;
    daily: string | null;
    latest: Date | null;
    status_latest: Date | null;
  }>(
    `WITH c AS (
       SELECT target_id, count(*) AS rows, count(*) FILTER (WHERE outcome = 'down') AS down,
              count(*) FILTER (WHERE outcome = 'missed') AS missed,
              max(scheduled_at) FILTER (WHERE outcome <> 'missed') AS latest
       FROM check_results WHERE target_id = ANY($1) GROUP BY 1
     ), h AS (
       SELECT target_id, sum(probes) AS hourly, sum(down) AS hourly_down, sum(missed) AS hourly_missed
       FROM check_rollups_hourly WHERE target_id = ANY($1) GROUP BY 1
     ), d AS (
       SELECT target_id, sum(probes) AS daily FROM check_rollups_daily WHERE target_id = ANY($1) GROUP BY 1
     )
     SELECT c.*, h.hourly, h.hourly_down, h.hourly_missed, d.daily, s.last_scheduled_at AS status_latest
     FROM c LEFT JOIN h USING (target_id) LEFT JOIN d USING (target_id) LEFT JOIN target_status s USING (target_id)`,
    [targetIds],
  );
  const problems: string[] = [];
  for (const r of rows) {
    const expected = `${r.rows}/${r.down}/${r.missed}`;
    const hourly = `${r.hourly}/${r.hourly_down}/${r.hourly_missed}`;
    if (hourly !== expected) problems.push(`${r.target_id}: hourly rollups count ${hourly} (probes/down/missed), its results ${expected}`);
    if (String(r.daily) !== r.rows) problems.push(`${r.target_id}: daily rollups count ${r.daily} probes, its results ${r.rows}`);
    if (r.latest && r.status_latest?.getTime() !== r.latest.getTime()) {
      problems.push(`${r.target_id}: status shows the slot of ${r.status_latest?.toISOString()}, its latest result is of ${r.latest.toISOString()}`);
    }
  }
  return problems;
}

/** Rows that share a key which must be unique in meaning even where no constraint says so. */
export async function duplicateViolations(pool: Pool): Promise<string[]> {
  const checks: [string, string][] = [
    ['two results for one slot', 'SELECT target_id, scheduled_at FROM check_results GROUP BY 1, 2 HAVING count(*) > 1'],
    ['two flips at one time', 'SELECT target_id, at FROM flips GROUP BY 1, 2 HAVING count(*) > 1'],
    ['two targets of one name', 'SELECT name FROM targets GROUP BY 1 HAVING count(*) > 1'],
    [
      'two open incidents of one target',
      `SELECT target_id FROM incidents WHERE state IN ('triggered', 'acknowledged', 'exhausted') GROUP BY 1 HAVING count(*) > 1`,
    ],
  ];
  const problems: string[] = [];
  for (const [what, sql] of checks) {
    const { rows } = await pool.query(sql);
    for (const row of rows) problems.push(`${what}: ${JSON.stringify(row)}`);
  }
  return problems;
}

/** `fetch` with a deadline, so a hung answer shows as such instead of hanging the test. */
export async function call(
  url: string,
  init: { method?: string; key?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> | undefined; ms: number }> {
  const started = Date.now();
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body, ms: Date.now() - started };
}
