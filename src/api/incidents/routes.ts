import { z } from 'zod';
import { acknowledgeUpdate, addNoteUpdate, escalateUpdate, reassignUpdate, resolveUpdate, snoozeUpdate } from '../../contracts/incident';
import { INCIDENT_ID } from '../../ids';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { pageSchema } from '../pagination';
import {
  getIncident,
  incidentAction,
  ListIncidentsQuery,
  listIncidentsHandler,
  NoBody,
  NoteBody,
  policyToReassign,
  ReassignBody,
  ResolveBody,
  SnoozeBody,
} from './handlers';
import { IncidentDetailSchema, IncidentSchema } from './representation';

const IncidentPath = z.object({
  id: z.string().regex(INCIDENT_ID).meta({ description: "The incident id: inc_, its target's ULID, _ and its sequence number" }),
});
const answer = { 200: { description: 'The incident as it now stands, with its timeline and deliveries', body: IncidentDetailSchema } };

/** Viewers read incidents; responders act on them. Every action records who (the API key) and when. */
export function incidentRoutes(deps: ApiDeps): Operation[] {
  const tag = 'Incidents';
  const action = (path: string, summary: string, description: string, body: z.ZodType, handler: Operation['handler']): Operation => ({
    method: 'post',
    path: `/v1/incidents/:id/${path}`,
    tag,
    access: 'responder',
    summary,
    description: `${description} With an Idempotency-Key, a retried request changes nothing more.`,
    params: IncidentPath,
    body,
    responses: {
      ...answer,
      404: { description: 'No such incident' },
      409: { description: 'The incident is closed (its reopen window passed), or resolved where the action needs it open' },
      422: { description: 'The incident workflow refused the action, or a reassignment names no escalation policy' },
    },
    handler,
  });
  return [
    {
      method: 'get',
      path: '/v1/incidents',
      tag,
      access: 'viewer',
      summary: 'List incidents',
      description: 'Newest first (by when they opened), with cursor pagination; filters combine.',
      query: ListIncidentsQuery,
      responses: { 200: { description: 'A page of incidents', body: pageSchema(IncidentSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: listIncidentsHandler(deps),
    },
    {
      method: 'get',
      path: '/v1/incidents/:id',
      tag,
      access: 'viewer',
      summary: 'Get an incident',
      params: IncidentPath,
      responses: answer,
      handler: getIncident(deps),
    },
    action(
      'acknowledge',
      'Acknowledge an incident',
      'Stops its escalation; acknowledging it again changes nothing.',
      NoBody,
      incidentAction(deps, NoBody, (h, a, _b, updateId) => h.executeUpdate(acknowledgeUpdate, { args: [a], updateId })),
    ),
    action(
      'resolve',
      'Resolve an incident',
      'Those notified hear of it. The target going down again within its reopen window reopens it.',
      ResolveBody,
      incidentAction(deps, ResolveBody, (h, a, b, updateId) => h.executeUpdate(resolveUpdate, { args: [{ ...a, ...b }], updateId })),
    ),
    action(
      'snooze',
      'Snooze an incident',
      'Acknowledges it until `durationSeconds` from now, then notifies the level it had reached again.',
      SnoozeBody,
      incidentAction(deps, SnoozeBody, (h, a, b, updateId) => h.executeUpdate(snoozeUpdate, { args: [{ ...a, seconds: b.durationSeconds }], updateId })),
    ),
    action(
      'escalate',
      'Escalate an incident now',
      'Notifies the next level at once (after the last, the first level of another round), acknowledged or not.',
      NoBody,
      incidentAction(deps, NoBody, (h, a, _b, updateId) => h.executeUpdate(escalateUpdate, { args: [a], updateId })),
    ),
    action(
      'reassign',
      'Reassign an incident',
      'To an assignee (a name), and/or to another escalation policy, which notifies its first level at once.',
      ReassignBody,
      incidentAction(deps, ReassignBody, async (h, a, b, updateId) => {
        const policy = await policyToReassign(deps, b.escalationPolicyId);
        return h.executeUpdate(reassignUpdate, {
          args: [{ ...a, ...(b.assignee !== undefined ? { assignee: b.assignee } : {}), ...(policy ? { policy } : {}) }],
          updateId,
        });
      }),
    ),
    action(
      'notes',
      'Add a note to an incident',
      'Appends it to the timeline, with who wrote it; with `public: true` the status pages that show the target show it too.',
      NoteBody,
      incidentAction(deps, NoteBody, (h, a, b, updateId) =>
        h.executeUpdate(addNoteUpdate, { args: [{ ...a, text: b.text, ...(b.public ? { public: true } : {}) }], updateId }),
      ),
    ),
  ];
}
