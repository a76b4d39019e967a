import type { RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { appendAuditEvent, listAuditEvents, type AuditEventRecord } from '../db/audit-events';
import type { ApiDeps } from './deps';
import { principalOf } from './auth/middleware';
import type { Operation } from './operations';
import { cursorField, pageSchema, sendPage, pageQueryFields } from './pagination';
import { Problem, validated } from './problems';

/**
 * The audit log. Every authenticated operation that changes something (every method but GET; `audit: false` opts out
 * one that changes nothing, such as decoding payloads) appends one event once it succeeds (2xx), before the answer
 * goes out: who (the user the API key belongs to, else the key), when, what (the operation's summary, method and
 * path), and the resource (its collection and id) as the answer shows it after the change, secrets masked. `before`
 * is what the previous event of that resource showed: each state is written once. Refused requests (4xx) changed
 * nothing and are not recorded; a replayed Idempotency-Key answer is not a change either. Should the append fail,
 * the answer is a 500, so a change the log lacks is never reported as a plain success.
 */

/** Field names whose values are secrets: masked wherever they appear in what is recorded. */
const SECRET_FIELDS = /^(signingSecret|key|token|secret|password|url)$/i;
const MASK = '********';

/** A copy of `value` with every secret field's value masked. URLs are masked too: webhook URLs carry their secret. */
export function masked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(masked);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_FIELDS.test(k) && typeof v === 'string' ? MASK : masked(v)]));
}

/** `/v1/schedules/:id/overrides` → `schedules`: the collection the change belongs to. */
const collectionOf = (path: string) => path.split('/')[2] ?? path;

/** The resource changed: the path's `:id`, or for a create the id its answer shows. */
function resourceIdOf(params: Record<string, string>, body: unknown): string | null {
  if (typeof params.id === 'string') return params.id;
  const id = (body as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : null;
}

/** Records `op` when it succeeds: wraps the answer so the event is appended before the answer is sent. */
export function auditChanges(pool: Pool): (op: Operation) => RequestHandler {
  return (op) => (req, res, next) => {
    const json = res.json.bind(res);
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    let recorded = false;
    const record = async (body: unknown) => {
      if (recorded || res.statusCode < 200 || res.statusCode >= 300) return;
      recorded = true;
      const principal = principalOf(res)!;
      const resourceId = resourceIdOf(req.params as Record<string, string>, body);
      const shows = body !== undefined && (body as { id?: unknown } | null)?.id === resourceId && resourceId !== null;
      await appendAuditEvent(pool, {
        actorId: principal.user?.id ?? principal.keyId,
        actorName: principal.user?.name ?? principal.name,
        keyId: principal.keyId,
        action: op.summary,
        resourceType: collectionOf(op.path),
        resourceId,
        method: op.method.toUpperCase(),
        path: req.originalUrl.split('?')[0]!,
        after: shows ? masked(JSON.parse(JSON.stringify(body))) : null,
        requestId: (res.locals.requestId as string | undefined) ?? null,
      });
    };
    res.json = (body: unknown) => {
      record(body).then(() => json(body), next);
      return res;
    };
    res.end = ((...args: unknown[]) => {
      record(undefined).then(() => end(...args), next);
      return res;
    }) as typeof res.end;
    next();
  };
}

const timestamp = z.iso.datetime({ offset: true });
const actorId = z.string().regex(/^(usr|key)_[0-9A-HJKMNP-TV-Z]{26}$/, 'a user (usr_…) or API key (key_…) id');

const ListAuditEventsQuery = z.strictObject({
  limit: pageQueryFields.limit,
  cursor: cursorField(({ after }) => (typeof after === 'string' && /^aud_[0-9A-Z]{26}$/.test(after) ? after : undefined)),
  resource: z
    .string()
    .regex(/^[a-z-]{1,40}$/)
    .optional()
    .meta({ description: 'A collection: targets, channels, escalation-policies, status-pages, api-keys, users, rotations, schedules, incidents' }),
  resourceId: z.string().max(100).optional().meta({ description: 'One resource, e.g. sch_…' }),
  actor: actorId.optional().meta({ description: 'Who: a user (usr_…) or an API key (key_…)' }),
  from: timestamp.optional().meta({ description: 'Events at or after' }),
  to: timestamp.optional().meta({ description: 'Events before; after `from`', 'x-vigil-rule': 'after from' }),
});

const AuditEventSchema = z.object({
  id: z.string().meta({ description: 'aud_ and a ULID' }),
  at: timestamp,
  actor: z.object({ id: z.string(), name: z.string(), keyId: z.string() }).meta({ description: 'The user the API key belongs to, else the key' }),
  action: z.string().meta({ description: "The operation's summary, e.g. Change a rotation" }),
  method: z.string(),
  path: z.string(),
  resource: z.object({ type: z.string(), id: z.string().nullable() }),
  before: z.unknown().nullable().meta({ description: 'The resource as the previous event showed it (secrets masked); null if none did' }),
  after: z.unknown().nullable().meta({ description: 'The resource as this change left it (secrets masked); null when the answer did not show it' }),
  requestId: z.string().nullable(),
});

const represent = (e: AuditEventRecord) => ({
  id: e.id,
  at: e.at,
  actor: { id: e.actorId, name: e.actorName, keyId: e.keyId },
  action: e.action,
  method: e.method,
  path: e.path,
  resource: { type: e.resourceType, id: e.resourceId },
  before: e.before,
  after: e.after,
  requestId: e.requestId,
});

const list =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const q = validated(ListAuditEventsQuery, req.query, 'query');
    if (q.from && q.to && Date.parse(q.to) <= Date.parse(q.from)) {
      throw new Problem('invalid-request', 'invalid query: to', { errors: [{ field: 'to', message: 'must be after from' }] });
    }
    const rows = await listAuditEvents(deps.pool, {
      resourceType: q.resource,
      resourceId: q.resourceId,
      actorId: q.actor,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      before: q.cursor,
      limit: q.limit + 1,
    });
    sendPage(req, res, rows, q.limit, represent, (e) => ({ after: e.id }));
  };

export function auditRoutes(deps: ApiDeps): Operation[] {
  return [
    {
      method: 'get',
      path: '/v1/audit-events',
      tag: 'Audit',
      access: 'admin',
      summary: 'Read the audit log',
      description:
        'Every change made through the API, newest first, with cursor pagination: who (the user the API key belongs to, else the key), ' +
        'when, what, and the resource before and after (secrets and URLs masked). Append-only. Filter by `resource` and `resourceId`, ' +
        '`actor`, and time (`from`, `to`).',
      query: ListAuditEventsQuery,
      responses: { 200: { description: 'A page of audit events', body: pageSchema(AuditEventSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: list(deps),
    },
  ];
}
