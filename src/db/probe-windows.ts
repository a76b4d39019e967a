import type { Pool } from 'pg';

/** A probe window in flight, registered by its worker so that a live worker can fail it over should that one die. */
export interface ProbeWindowRow {
  taskToken: Uint8Array;
  targetId: string;
}

/**
 * Registers windows that started on `workerId`, in one statement. A target runs one window at a time, so any older
 * window of the same target is one its workflow gave up on (an operator's command interrupted it): it is marked
 * superseded, for its worker to stop.
 */
export async function registerProbeWindows(pool: Pool, workerId: string, windows: ProbeWindowRow[]): Promise<void> {
  await pool.query(
    `WITH input AS (
       SELECT * FROM unnest($2::bytea[], $3::text[]) AS t(task_token, target_id)
     ), superseded AS (
       UPDATE probe_windows p SET superseded = true
       FROM input i
       WHERE p.target_id = i.target_id AND p.task_token <> i.task_token AND NOT p.superseded
     )
     INSERT INTO probe_windows (task_token, worker_id, target_id)
     SELECT task_token, $1, target_id FROM input
     ON CONFLICT (task_token) DO NOTHING`,
    [workerId, windows.map((w) => Buffer.from(w.taskToken)), windows.map((w) => w.targetId)],
  );
}

/** Forgets windows that ended. */
export async function removeProbeWindows(pool: Pool, taskTokens: Uint8Array[]): Promise<void> {
  await pool.query(`DELETE FROM probe_windows WHERE task_token = ANY($1::bytea[])`, [taskTokens.map((t) => Buffer.from(t))]);
}

/** Forgets, and answers, the windows of `workerId` that a newer window of their target superseded. */
export async function takeSupersededWindows(pool: Pool, workerId: string): Promise<Buffer[]> {
  const { rows } = await pool.query<{ task_token: Buffer }>(
    `DELETE FROM probe_windows WHERE worker_id = $1 AND superseded RETURNING task_token`,
    [workerId],
  );
  return rows.map((r) => r.task_token);
}

/** The task tokens of every window registered by `workerId`. */
export async function windowsOf(pool: Pool, workerId: string): Promise<Buffer[]> {
  const { rows } = await pool.query<{ task_token: Buffer }>(`SELECT task_token FROM probe_windows WHERE worker_id = $1`, [workerId]);
  return rows.map((r) => r.task_token);
}

/** Forgets every window of `workerId`: it shut down, or a reaper failed them over. */
export async function removeWindowsOf(pool: Pool, workerId: string): Promise<void> {
  await pool.query(`DELETE FROM probe_windows WHERE worker_id = $1`, [workerId]);
}
