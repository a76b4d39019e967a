import { z } from 'zod';
import type { DeliveryRecord } from '../../db/deliveries';
import type { IncidentEventRecord, IncidentRecord } from '../../db/incidents';
import { INCIDENT_STATES, NOTIFICATION_KINDS } from '../../domain/incident';

const timestamp = z.iso.datetime({ offset: true });
const actor = (id: string | null, name: string | null) => (id && name ? { id, name } : null);

/** An incident as lists show it. Levels and rounds count from 1, as people do. */
export function incidentRepresentation(i: IncidentRecord) {
  return {
    id: i.id,
    targetId: i.targetId,
    targetName: i.targetName,
    sequence: i.sequence,
    state: i.state,
    reason: i.reason,
    escalation: i.policy
      ? {
          policyId: i.policy.id,
          policyName: i.policy.name,
          policyVersion: i.policy.version,
          level: (i.level ?? 0) + 1,
          round: (i.round ?? 0) + 1,
          levels: i.policy.levels.length,
          repeat: i.policy.repeat,
        }
      : null,
    assignee: i.assignee,
    acknowledged: i.acknowledgedAt ? { by: actor(i.acknowledgedById, i.acknowledgedBy), at: i.acknowledgedAt } : null,
    snoozedUntil: i.snoozedUntil,
    resolved: i.resolvedAt ? { by: actor(i.resolvedById, i.resolvedBy), at: i.resolvedAt } : null,
    openedAt: i.openedAt,
    closedAt: i.closedAt,
    updatedAt: i.updatedAt,
  };
}

/** One incident in full: with its timeline and the delivery of every notification it sent. */
export const incidentDetail = (i: IncidentRecord, timeline: IncidentEventRecord[], deliveries: DeliveryRecord[]) => ({
  ...incidentRepresentation(i),
  timeline: timeline.map((e) => ({ seq: e.seq, at: e.at, kind: e.kind, actor: { id: e.actorId, name: e.actorName }, message: e.message, data: e.data })),
  deliveries: deliveries.map((d) => ({
    id: d.id,
    channel: { id: d.channelId, name: d.channelName, kind: d.channelKind },
    kind: d.kind,
    status: d.status,
    attempts: d.attempts,
    lastError: d.lastError,
    createdAt: d.createdAt,
    deliveredAt: d.deliveredAt,
  })),
});

const ActorSchema = z.object({ id: z.string(), name: z.string() }).meta({
  description: 'Who acted: the user the API key belongs to (usr_…), else the API key (key_…), or Vigil itself (id vigil)',
});

export const IncidentSchema = z
  .object({
    id: z.string().meta({ description: "inc_<target ulid>_<n>: the target's n-th incident" }),
    targetId: z.string(),
    targetName: z.string(),
    sequence: z.int(),
    state: z.enum(INCIDENT_STATES),
    reason: z.string(),
    escalation: z
      .object({ policyId: z.string(), policyName: z.string(), policyVersion: z.int(), level: z.int(), round: z.int(), levels: z.int(), repeat: z.int() })
      .nullable()
      .meta({ description: 'The policy as captured when the incident opened (or was reassigned), and where escalation stands' }),
    assignee: z.string().nullable(),
    acknowledged: z.object({ by: ActorSchema.nullable(), at: timestamp }).nullable(),
    snoozedUntil: timestamp.nullable(),
    resolved: z.object({ by: ActorSchema.nullable(), at: timestamp }).nullable(),
    openedAt: timestamp,
    closedAt: timestamp.nullable().meta({ description: 'When it closed for good: its reopen window passed' }),
    updatedAt: timestamp,
  })
  .meta({ description: 'An incident: a target outage, its escalation, and who did what about it.' });

export const IncidentDetailSchema = IncidentSchema.extend({
  timeline: z.array(
    z.object({ seq: z.int(), at: timestamp, kind: z.string(), actor: ActorSchema, message: z.string(), data: z.record(z.string(), z.unknown()).nullable() }),
  ),
  deliveries: z.array(
    z.object({
      id: z.string().meta({ description: 'The Idempotency-Key and webhook-id receivers saw' }),
      channel: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
      // A test notification belongs to no incident.
      kind: z.enum(NOTIFICATION_KINDS).exclude(['test']),
      status: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.int(),
      lastError: z.string().nullable(),
      createdAt: timestamp,
      deliveredAt: timestamp.nullable(),
    }),
  ),
});
