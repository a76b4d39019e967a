import type { Pool } from 'pg';

export interface TargetFilter {
  state?: string;
  kind?: string;
  /** Targets that have every one of these tags. */
  tags?: string[];
  /** The one target of this key (unique). */
  key?: string;
  /** Ids below this one (the cursor): newest first. */
  before?: string;
  limit: number;
}

export interface TargetRow {
  id: string;
  spec: unknown;
  configVersion: number;
  paused: boolean;
  createdAt: Date;
  updatedAt: Date;
  status: {
    state: string;
    stateSince: Date;
    flapping: boolean;
    lastCheckedAt: Date | null;
    lastOutcome: string | null;
    lastLatencyMs: number | null;
    lastError: string | null;
    consecutiveFailures: number;
  } | null;
}

/** A target with its status as one row, from `targets t` (the caller joins `target_status s`). */
const SELECT_TARGET = `
  SELECT t.id, t.spec, t.config_version AS "configVersion", t.paused, t.created_at AS "createdAt",
         t.updated_at AS "updatedAt",
         CASE WHEN s.target_id IS NULL THEN NULL ELSE json_build_object(
           'state', s.state, 'stateSince', s.state_since, 'flapping', s.flapping, 'lastCheckedAt', s.last_checked_at,
           'lastOutcome', s.last_outcome, 'lastLatencyMs', s.last_latency_ms, 'lastError', s.last_error,
           'consecutiveFailures', s.consecutive_failures) END AS status
  FROM targets t`;

// json_build_object gives timestamps as text.
const withDates = (row: TargetRow): TargetRow => ({
  ...row,
  status: row.status && {
    ...row.status,
    stateSince: new Date(row.status.stateSince),
    lastCheckedAt: row.status.lastCheckedAt && new Date(row.status.lastCheckedAt),
  },
});

/**
 * The list query: only the conditions asked for, each backed by an index (state: target_status (state, target_id);
 * kind: targets (kind, id); tags: the GIN index on targets.tags; none: the primary key), read in id order from the
 * cursor on; key: its unique index. Exported so a test can hold every filter to an index plan.
 */
export function listTargetsQuery(filter: TargetFilter): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  if (filter.state !== undefined) where.push(`s.state = ${param(filter.state)}`);
  if (filter.kind !== undefined) where.push(`t.kind = ${param(filter.kind)}`);
  if (filter.tags?.length) where.push(`t.tags @> ${param(filter.tags)}::text[]`);
  if (filter.key !== undefined) where.push(`t.key = ${param(filter.key)}`);
  if (filter.before !== undefined) where.push(`t.id < ${param(filter.before)}`);
  const text = `
    ${SELECT_TARGET} ${filter.state !== undefined ? 'JOIN' : 'LEFT JOIN'} target_status s ON s.target_id = t.id
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY t.id DESC
    LIMIT ${param(filter.limit)}`;
  return { text, values };
}

export async function listTargets(pool: Pool, filter: TargetFilter): Promise<TargetRow[]> {
  const { text, values } = listTargetsQuery(filter);
  const { rows } = await pool.query<TargetRow>(text, values);
  return rows.map(withDates);
}

/** Targets and their status by id, in no particular order: what a bulk create answers with. Absent ids are left out. */
export async function findTargets(pool: Pool, ids: readonly string[]): Promise<TargetRow[]> {
  const { rows } = await pool.query<TargetRow>(`${SELECT_TARGET} LEFT JOIN target_status s ON s.target_id = t.id WHERE t.id = ANY($1)`, [ids]);
  return rows.map(withDates);
}

/** One target and its status: a primary-key lookup on each table. The hot read of GET /v1/targets/:id. */
export async function findTarget(pool: Pool, id: string): Promise<TargetRow | undefined> {
  const { rows } = await pool.query<TargetRow>(`${SELECT_TARGET} LEFT JOIN target_status s ON s.target_id = t.id WHERE t.id = $1`, [id]);
  return rows[0] && withDates(rows[0]);
}
