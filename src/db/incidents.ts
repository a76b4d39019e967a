import type { Pool } from 'pg';
import type { IncidentEvent, IncidentRow } from '../contracts/incident';
import type { EventKind, IncidentState } from '../domain/incident';

/**
 * The incident projections: `incidents` (one row per incident, its state now) and `incident_events` (its timeline).
 * Only the incident's workflow writes them, through an activity, each change as one event with the row as it stands
 * after it; a retried write records the event once and never puts an older row over a newer one.
 */

const ts = (ms: number | null | undefined) => (ms == null ? null : new Date(ms));

/** Writes one change: the event, and the row unless a newer one is already there. */
export async function recordIncidentChange(pool: Pool, row: IncidentRow, event: IncidentEvent): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO incidents (id, target_id, sequence, target_name, state, reason, escalation_policy_id, policy, level, round, assignee,
                              acknowledged_by_id, acknowledged_by, acknowledged_at, snoozed_until, resolved_by_id, resolved_by, resolved_at,
                              opened_at, closed_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
       ON CONFLICT (id) DO UPDATE SET
         target_name = excluded.target_name, state = excluded.state, escalation_policy_id = excluded.escalation_policy_id,
         policy = excluded.policy, level = excluded.level, round = excluded.round, assignee = excluded.assignee,
         acknowledged_by_id = excluded.acknowledged_by_id, acknowledged_by = excluded.acknowledged_by, acknowledged_at = excluded.acknowledged_at,
         snoozed_until = excluded.snoozed_until, resolved_by_id = excluded.resolved_by_id, resolved_by = excluded.resolved_by,
         resolved_at = excluded.resolved_at, closed_at = excluded.closed_at, version = excluded.version, updated_at = now()
       WHERE incidents.version < excluded.version`,
      [
        row.id,
        row.targetId,
        row.sequence,
        row.targetName,
        row.state,
        row.reason,
        row.policy?.id ?? null,
        row.policy ? JSON.stringify(row.policy) : null,
        row.level,
        row.round,
        row.assignee,
        row.acknowledged?.by.id ?? null,
        row.acknowledged?.by.name ?? null,
        ts(row.acknowledged?.at),
        ts(row.snoozedUntil),
        row.resolved?.by.id ?? null,
        row.resolved?.by.name ?? null,
        ts(row.resolved?.at),
        ts(row.openedAt),
        ts(row.closedAt),
        row.version,
      ],
    );
    await client.query(
      `INSERT INTO incident_events (incident_id, seq, at, kind, actor_id, actor_name, message, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [row.id, event.seq, ts(event.at), event.kind, event.actor.id, event.actor.name, event.message, event.data ? JSON.stringify(event.data) : null],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The highest sequence among the target's incidents whose workflows ended for good: later outages open past it. */
export async function lastClosedSequence(pool: Pool, targetId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number | null }>('SELECT max(sequence) AS n FROM incidents WHERE target_id = $1 AND closed_at IS NOT NULL', [
    targetId,
  ]);
  return rows[0]?.n ?? 0;
}

/**
 * An incident's row as read back: the fields its workflow wrote (`IncidentRow`), times as Dates, and who acted as the
 * columns hold them (an id and a name).
 */
export interface IncidentRecord
  extends Pick<IncidentRow, 'id' | 'targetId' | 'sequence' | 'targetName' | 'state' | 'reason' | 'policy' | 'level' | 'round' | 'assignee'> {
  escalationPolicyId: string | null;
  acknowledgedById: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  snoozedUntil: Date | null;
  resolvedById: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  openedAt: Date;
  closedAt: Date | null;
  updatedAt: Date;
}

const COLUMNS = `id, target_id AS "targetId", sequence, target_name AS "targetName", state, reason,
  escalation_policy_id AS "escalationPolicyId", policy, level, round, assignee,
  acknowledged_by_id AS "acknowledgedById", acknowledged_by AS "acknowledgedBy", acknowledged_at AS "acknowledgedAt",
  snoozed_until AS "snoozedUntil", resolved_by_id AS "resolvedById", resolved_by AS "resolvedBy", resolved_at AS "resolvedAt",
  opened_at AS "openedAt", closed_at AS "closedAt", updated_at AS "updatedAt"`;

/** Where a page of the list ends: the (opened_at, id) of its last incident. */
export interface IncidentCursor {
  openedAt: Date;
  id: string;
}

/** Newest first, one index range each way it is filtered (state, target, or none), keyset-paginated. */
export async function listIncidents(
  pool: Pool,
  filter: { states?: IncidentState[]; targetId?: string; after?: IncidentCursor; limit: number },
): Promise<IncidentRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown) => `$${params.push(v)}`;
  if (filter.states) where.push(`state = ANY(${param(filter.states)}::text[])`);
  if (filter.targetId) where.push(`target_id = ${param(filter.targetId)}`);
  if (filter.after) where.push(`(opened_at, id) < (${param(filter.after.openedAt)}, ${param(filter.after.id)})`);
  const { rows } = await pool.query<IncidentRecord>(
    `SELECT ${COLUMNS} FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY opened_at DESC, id DESC LIMIT ${param(filter.limit)}`,
    params,
  );
  return rows;
}

export async function findIncident(pool: Pool, id: string): Promise<IncidentRecord | undefined> {
  const { rows } = await pool.query<IncidentRecord>(`SELECT ${COLUMNS} FROM incidents WHERE id = $1`, [id]);
  return rows[0];
}

/** The open incident of a target, if any: one lookup in the partial unique index. */
export async function findOpenIncident(pool: Pool, targetId: string): Promise<IncidentRecord | undefined> {
  const { rows } = await pool.query<IncidentRecord>(`SELECT ${COLUMNS} FROM incidents WHERE target_id = $1 AND state <> 'resolved'`, [targetId]);
  return rows[0];
}

export interface IncidentEventRecord {
  seq: number;
  at: Date;
  kind: EventKind;
  actorId: string;
  actorName: string;
  message: string;
  data: Record<string, unknown> | null;
}

export async function incidentTimeline(pool: Pool, id: string): Promise<IncidentEventRecord[]> {
  const { rows } = await pool.query<IncidentEventRecord>(
    `SELECT seq, at, kind, actor_id AS "actorId", actor_name AS "actorName", message, data FROM incident_events
     WHERE incident_id = $1 ORDER BY seq`,
    [id],
  );
  return rows;
}
