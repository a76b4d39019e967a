import type { Pool } from 'pg';
import { eventually } from './eventually';
import type { Stack } from './stack';
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

/**
 * A target that is down from its first check, and the incident it opens, through the API: `fields` add to the
 * target's body (a policy, a name), `keys` are the API keys that check it and read the incident (the admin's if left
 * out), so suites of roles can show who may do what.
 */
export async function downTarget(
  stack: Stack<{ api: true; site: true }>,
  fields: Record<string, unknown> = {},
  keys: { check?: string; read?: string } = {},
): Promise<{ targetId: string; incident: { id: string } & Record<string, unknown> }> {
  stack.site.behave({ status: 500 });
  const { body: target } = await stack.api
    .request()
    .post('/v1/targets')
    .send({ name: 'shop', url: `${stack.site.url}/health`, intervalSeconds: 3600, downAfter: 1, ...fields })
    .expect(201);
  await stack.api.request(keys.check).post(`/v1/targets/${target.id}/check`).expect(200);
  const incident = await eventually(async () => {
    const { body } = await stack.api.request(keys.read).get(`/v1/incidents?target=${target.id}&state=open`).expect(200);
    expect(body.data).toHaveLength(1);
    return body.data[0];
  }, 60_000);
  return { targetId: target.id as string, incident };
}
