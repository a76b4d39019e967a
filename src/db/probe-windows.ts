import type { Pool } from 'pg';

/** A probe window in flight, registered by its worker so that a live worker can carry it on should that one stop. */
export interface ProbeWindowRow {
  taskToken: Uint8Array;
  targetId: string;
  /** The window's activity input, stored as JSON. */
  input: unknown;
}

/** A window taken over from a worker that stopped; `input` is null for a window registered before adoption existed. */
export interface AdoptedWindowRow {
  taskToken: Buffer;
  targetId: string;
  superseded: boolean;
  input: unknown;
}

/**
 * Registers windows that started on `workerId`, in one statement. A target runs one window at a time, so any older
 * window of the same target is one its workflow gave up on (an operator's command interrupted it), or one that ended
 * and is not forgotten yet: it is marked superseded, for its worker to stop. The older rows are locked in task-token
 * order, as every other statement here meets them: two workers registering at once, each marking rows of the other's,
 * deadlocked otherwise (seen at 8,000 targets, as their windows turned over together).
 */
export async function registerProbeWindows(pool: Pool, workerId: string, windows: ProbeWindowRow[]): Promise<void> {
  await pool.query(
    `WITH input AS (
       SELECT * FROM unnest($2::bytea[], $3::text[], $4::jsonb[]) AS t(task_token, target_id, input)
     ), older AS (
       SELECT p.task_token FROM probe_windows p JOIN input i ON p.target_id = i.target_id
       WHERE p.task_token <> i.task_token AND NOT p.superseded
       ORDER BY p.task_token
       FOR UPDATE OF p
     ), superseded AS (
       UPDATE probe_windows p SET superseded = true FROM older o WHERE p.task_token = o.task_token
     )
     INSERT INTO probe_windows (task_token, worker_id, target_id, input)
     SELECT task_token, $1, target_id, input FROM input
     ON CONFLICT (task_token) DO NOTHING`,
    [workerId, windows.map((w) => Buffer.from(w.taskToken)), windows.map((w) => w.targetId), windows.map((w) => JSON.stringify(w.input))],
  );
}

/** Forgets windows that ended. */
export async function removeProbeWindows(pool: Pool, taskTokens: Uint8Array[]): Promise<void> {
  await pool.query(
    `DELETE FROM probe_windows WHERE task_token IN (
       SELECT task_token FROM probe_windows WHERE task_token = ANY($1::bytea[]) ORDER BY task_token FOR UPDATE
     )`,
    [taskTokens.map((t) => Buffer.from(t))],
  );
}

/** Forgets, and answers, the windows of `workerId` that a newer window of their target superseded. */
export async function takeSupersededWindows(pool: Pool, workerId: string): Promise<Buffer[]> {
  const { rows } = await pool.query<{ task_token: Buffer }>(`DELETE FROM probe_windows WHERE worker_id = $1 AND superseded RETURNING task_token`, [workerId]);
  return rows.map((r) => r.task_token);
}

/**
 * Moves every window of `from` (a worker whose lease this one claimed) to `to`, in one statement, and answers them:
 * from then on they are `to`'s to run, and to hand on should `to` stop in turn.
 */
export async function adoptWindowsOf(pool: Pool, from: string, to: string): Promise<AdoptedWindowRow[]> {
  const { rows } = await pool.query<{ task_token: Buffer; target_id: string; superseded: boolean; input: unknown }>(
    `UPDATE probe_windows SET worker_id = $2 WHERE task_token IN (
       SELECT task_token FROM probe_windows WHERE worker_id = $1 ORDER BY task_token FOR UPDATE
     ) RETURNING task_token, target_id, superseded, input`,
    [from, to],
  );
  return rows.map((r) => ({ taskToken: r.task_token, targetId: r.target_id, superseded: r.superseded, input: r.input }));
}
