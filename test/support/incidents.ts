import type { Pool } from 'pg';
import type { IncidentRow } from '../../src/contracts/incident';
import { recordIncidentChange } from '../../src/db/incidents';
import { VIGIL, type Notification, type NotificationKind } from '../../src/domain/incident';

/** An incident's row as its workflow writes it: just opened, but for what a test sets in `fields`. */
export function incidentRow(fields: Pick<IncidentRow, 'id' | 'targetId'> & Partial<IncidentRow>): IncidentRow {
  return {
    sequence: 1,
    targetName: 'shop',
    state: 'triggered',
    reason: 'down',
    policy: null,
    level: null,
    round: null,
    assignee: null,
    acknowledged: null,
    snoozedUntil: null,
    resolved: null,
    openedAt: Date.now(),
    closedAt: null,
    version: 1,
    ...fields,
  };
}

/** An incident opened in Postgres (its row and timeline), for deliveries to belong to: ids numbered per `prefix`. */
export async function openIncident(pool: Pool, prefix: string, n: number): Promise<{ incidentId: string; targetId: string }> {
  const targetId = `tgt_${prefix}${String(n).padStart(26 - prefix.length, '0')}`;
  const incidentId = `inc_${targetId.slice(4)}_1`;
  await recordIncidentChange(pool, incidentRow({ id: incidentId, targetId, reason: '2 consecutive failed probes' }), {
    seq: 1,
    at: Date.now(),
    kind: 'opened',
    actor: VIGIL,
    message: 'opened',
  });
  return { incidentId, targetId };
}

/** The `seq`th notification of `kind` about an incident `openIncident` made, to one channel. */
export function notificationAbout(
  { incidentId, targetId }: { incidentId: string; targetId: string },
  channelId: string,
  kind: NotificationKind,
  seq = 1,
): Notification {
  return {
    deliveryId: `${incidentId}-n${seq}-${channelId}`,
    kind,
    at: Date.parse('2026-01-01T00:00:00Z'),
    incident: {
      id: incidentId,
      targetId,
      targetName: 'shop',
      state: kind === 'resolved' ? 'resolved' : kind === 'acknowledged' ? 'acknowledged' : 'triggered',
      reason: '2 consecutive failed probes',
      openedAt: '2026-01-01T00:00:00.000Z',
      ...(kind === 'acknowledged' ? { acknowledgedBy: 'alice' } : {}),
    },
  };
}
