import type { Pool } from 'pg';
import { newId } from '../ids';

/** The audit log: one row per change made through the API, appended, never changed (a trigger refuses it). */

export interface AuditEventFields {
  actorId: string;
  actorName: string;
  keyId: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  method: string;
  path: string;
  /** The resource as the change left it, secrets masked; null when the answer does not show it (a delete). */
  after: unknown;
  requestId: string | null;
}

export interface AuditEventRecord extends Omit<AuditEventFields, 'after'> {
  id: string;
  at: Date;
  before: unknown;
  after: unknown;
}

const COLUMNS = `id, at, actor_id AS "actorId", actor_name AS "actorName", key_id AS "keyId", action, resource_type AS "resourceType",
  resource_id AS "resourceId", method, path, before, after, request_id AS "requestId"`;

/**
 * Appends an event. Its `before` is the resource as the last event that showed it left it, so each fact is written
 * once and a change reads as the difference between two events.
 */
export async function appendAuditEvent(pool: Pool, event: AuditEventFields): Promise<void> {
  await pool.query(
    `INSERT INTO audit_events (id, actor_id, actor_name, key_id, action, resource_type, resource_id, method, path, before, after, request_id)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9,
            (SELECT after FROM audit_events WHERE resource_type = $6 AND resource_id = $7 AND after IS NOT NULL ORDER BY id DESC LIMIT 1),
            $10, $11`,
    [
      newId('aud'),
      event.actorId,
      event.actorName,
      event.keyId,
      event.action,
      event.resourceType,
      event.resourceId,
      event.method,
      event.path,
      event.after === null || event.after === undefined ? null : JSON.stringify(event.after),
      event.requestId,
    ],
  );
}

export interface AuditFilter {
  resourceType?: string;
  resourceId?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
  before?: string;
  limit: number;
}

/** Newest first, filtered; `before` is the last id of the previous page. */
export async function listAuditEvents(pool: Pool, f: AuditFilter): Promise<AuditEventRecord[]> {
  const { rows } = await pool.query<AuditEventRecord>(
    `SELECT ${COLUMNS} FROM audit_events
     WHERE ($1::text IS NULL OR resource_type = $1) AND ($2::text IS NULL OR resource_id = $2) AND ($3::text IS NULL OR actor_id = $3)
       AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5) AND ($6::text IS NULL OR id < $6)
     ORDER BY id DESC LIMIT $7`,
    [f.resourceType ?? null, f.resourceId ?? null, f.actorId ?? null, f.from ?? null, f.to ?? null, f.before ?? null, f.limit],
  );
  return rows;
}
