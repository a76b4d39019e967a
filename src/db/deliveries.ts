import type { Pool } from 'pg';
import type { ChannelKind } from '../domain/escalation';
import type { NotificationKind } from '../domain/incident';

/**
 * `notification_deliveries`: how each notification's delivery went. Written by the delivery activity at each attempt,
 * keyed by the delivery id (the receivers' Idempotency-Key), so a retry updates the same row.
 */

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * Records that attempt `attempt` starts, and answers whether the notification was delivered already (by an attempt
 * whose completion Temporal never heard of): then it is not sent again.
 */
export async function startDeliveryAttempt(
  pool: Pool,
  d: { id: string; incidentId: string; channelId: string; channelName: string; channelKind: ChannelKind | 'unknown'; kind: NotificationKind; attempt: number },
): Promise<{ alreadyDelivered: boolean }> {
  const { rows } = await pool.query<{ status: DeliveryStatus }>(
    `INSERT INTO notification_deliveries (id, incident_id, channel_id, channel_name, channel_kind, kind, status, attempts)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)
     ON CONFLICT (id) DO UPDATE SET
       attempts = greatest(notification_deliveries.attempts, excluded.attempts),
       channel_name = excluded.channel_name, channel_kind = excluded.channel_kind,
       status = CASE WHEN notification_deliveries.status = 'delivered' THEN 'delivered' ELSE 'pending' END,
       updated_at = now()
     RETURNING status`,
    [d.id, d.incidentId, d.channelId, d.channelName, d.channelKind, d.kind, d.attempt],
  );
  return { alreadyDelivered: rows[0]?.status === 'delivered' };
}

/** The attempt's outcome: delivered, or failed with its error (`final`: no attempt will follow). */
export async function finishDeliveryAttempt(
  pool: Pool,
  id: string,
  outcome: { delivered: true } | { delivered: false; error: string; final: boolean },
): Promise<void> {
  if (outcome.delivered) {
    await pool.query(`UPDATE notification_deliveries SET status = 'delivered', delivered_at = now(), updated_at = now() WHERE id = $1`, [id]);
    return;
  }
  await pool.query(`UPDATE notification_deliveries SET status = $2, last_error = $3, updated_at = now() WHERE id = $1 AND status <> 'delivered'`, [
    id,
    outcome.final ? 'failed' : 'pending',
    outcome.error.slice(0, 2000),
  ]);
}

export interface DeliveryRecord {
  id: string;
  channelId: string;
  channelName: string;
  channelKind: string;
  kind: NotificationKind;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

export async function incidentDeliveries(pool: Pool, incidentId: string): Promise<DeliveryRecord[]> {
  const { rows } = await pool.query<DeliveryRecord>(
    `SELECT id, channel_id AS "channelId", channel_name AS "channelName", channel_kind AS "channelKind", kind, status, attempts,
            last_error AS "lastError", created_at AS "createdAt", updated_at AS "updatedAt", delivered_at AS "deliveredAt"
     FROM notification_deliveries WHERE incident_id = $1 ORDER BY created_at, id`,
    [incidentId],
  );
  return rows;
}
