import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { incidentDeliveries } from '../../db/deliveries';
import { readPolicySnapshot } from '../../db/escalation';
import { findIncident, incidentTimeline, listIncidents, type IncidentCursor } from '../../db/incidents';
import { escalationPolicyId } from '../../domain/escalation';
import { INCIDENT_STATES, type Actor } from '../../domain/incident';
import { incidentWorkflowId, isIncidentId } from '../../ids';
import { idSchema } from '../../domain/id';
import { trimmedText } from '../../domain/text';
import type { IncidentWorkflow, ResponderAction } from '../../contracts/incident';
import { principalOf } from '../auth/middleware';
import type { ApiDeps } from '../deps';
import { idempotentId } from '../idempotency';
import { cursorField, pageQueryFields, sendPage } from '../pagination';
import { Problem, validated } from '../problems';
import { temporalCall } from '../temporal';
import { incidentDetail, incidentRepresentation } from './representation';

const STATE_FILTERS = [...INCIDENT_STATES, 'open'] as const;

export const ListIncidentsQuery = z.strictObject({
  state: z
    .union([z.enum(STATE_FILTERS).transform((s) => [s]), z.array(z.enum(STATE_FILTERS)).max(5)])
    .optional()
    .meta({ description: '`open` (triggered, acknowledged or exhausted) or a state; repeat for several.' }),
  target: idSchema('tgt', 'a target').optional().meta({ description: "Only this target's incidents." }),
  limit: pageQueryFields.limit,
  // Keyed by when incidents opened, then by id: the last incident of the previous page.
  cursor: cursorField(({ openedAt, id }): IncidentCursor | undefined =>
    typeof openedAt === 'string' && !Number.isNaN(Date.parse(openedAt)) && typeof id === 'string' && isIncidentId(id)
      ? { openedAt: new Date(openedAt), id }
      : undefined,
  ),
});

/** GET /v1/incidents: newest first (by when they opened), filtered by state and target, keyset-paginated. */
export const listIncidentsHandler =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const { state, target, limit, cursor } = validated(ListIncidentsQuery, req.query, 'query');
    const states = state?.flatMap((s) => (s === 'open' ? (['triggered', 'acknowledged', 'exhausted'] as const) : [s]));
    const rows = await listIncidents(deps.pool, { states, targetId: target, after: cursor, limit: limit + 1 });
    sendPage(req, res, rows, limit, incidentRepresentation, (i) => ({ openedAt: i.openedAt.toISOString(), id: i.id }));
  };

async function existing(deps: ApiDeps, id: string) {
  const incident = isIncidentId(id) ? await findIncident(deps.pool, id) : undefined;
  if (!incident) throw new Problem('not-found', `no incident ${id}`);
  return incident;
}

async function detail(deps: ApiDeps, id: string) {
  const incident = await existing(deps, id);
  const [timeline, deliveries] = await Promise.all([incidentTimeline(deps.pool, id), incidentDeliveries(deps.pool, id)]);
  return incidentDetail(incident, timeline, deliveries);
}

/** GET /v1/incidents/:id: the incident with its timeline and deliveries. */
export const getIncident =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    res.json(await detail(deps, req.params.id));
  };

/** What the incident workflow's refusals mean to the API. */
const REFUSALS: Record<string, (f: ApplicationFailure) => Problem> = {
  IncidentResolved: (f) => new Problem('conflict', f.message),
  NoEscalationPolicy: (f) => new Problem('conflict', f.message),
  InvalidAction: (f) => new Problem('unprocessable', f.message),
  NoteUnstorable: (f) => new Problem('unprocessable', f.message, { errors: [{ field: 'text', message: f.message }] }),
};

/** Who acts: the person the API key belongs to (usr_…), or the key itself (key_…) when it belongs to nobody. */
const actorOf = (res: Response): Actor => {
  const principal = principalOf(res)!;
  return principal.user ?? { id: principal.keyId, name: principal.name };
};

type IncidentHandle = WorkflowHandle<IncidentWorkflow>;

/**
 * A responder action: validated here, applied by the incident's workflow as an update, answered with the incident as
 * it then stands. The action's id (also the update id) derives from the request's Idempotency-Key when it has one,
 * so a retried request changes nothing more; who acted is the API key's name and id.
 */
export function incidentAction<B extends z.ZodType>(
  deps: ApiDeps,
  body: B,
  apply: (handle: IncidentHandle, action: ResponderAction, body: z.output<B>, updateId: string) => Promise<unknown>,
): RequestHandler<{ id: string }> {
  return async (req, res) => {
    const incident = await existing(deps, req.params.id);
    const parsed = validated(body, req.body);
    if (incident.closedAt) throw new Problem('conflict', 'the incident is closed: its reopen window passed');
    const actionId = idempotentId(res, 'act');
    const handle: IncidentHandle = deps.temporal.workflow.getHandle(incidentWorkflowId(incident.id));
    try {
      await temporalCall(deps.temporal, () => apply(handle, { actionId, by: actorOf(res) }, parsed, actionId));
    } catch (err) {
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type && REFUSALS[cause.type]) throw REFUSALS[cause.type]!(cause);
      throw err;
    }
    res.json(await detail(deps, incident.id));
  };
}

export const NoBody = z.strictObject({});
export const ResolveBody = z.strictObject({ note: trimmedText(1, 2000).optional() });
export const SnoozeBody = z.strictObject({ durationSeconds: z.int().min(60).max(86_400).meta({ description: 'From 60 s to 1 day' }) });
export const NoteBody = z.strictObject({
  text: trimmedText(1, 5000),
  public: z.boolean().default(false).meta({ description: 'Also an update for the public, on the status pages that show the target' }),
});
export const ReassignBody = z
  .strictObject({
    assignee: trimmedText(1, 200).optional().meta({ description: 'Who owns it now (a name)' }),
    escalationPolicyId: escalationPolicyId.optional().meta({ description: 'Escalate with this policy instead, from its first level' }),
  })
  .refine((b) => b.assignee !== undefined || b.escalationPolicyId !== undefined, { message: 'give an assignee, an escalationPolicyId, or both' })
  .meta({ anyOf: [{ required: ['assignee'] }, { required: ['escalationPolicyId'] }] });

/** The policy a reassignment names, captured now; an unknown one is a 422. */
export async function policyToReassign(deps: ApiDeps, id: string | undefined) {
  if (id === undefined) return undefined;
  const policy = await readPolicySnapshot(deps.pool, id);
  if (!policy)
    throw new Problem('unprocessable', `no escalation policy ${id}`, { errors: [{ field: 'escalationPolicyId', message: `no escalation policy ${id}` }] });
  return policy;
}
