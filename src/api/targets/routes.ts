import { z } from 'zod';
import { idSchema } from '../../domain/id';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { pageSchema } from '../pagination';
import { checkNow, deleteTarget, pauseOrResume } from './actions';
import { BulkCreatedSchema, BulkPartlyCreatedSchema, bulkCreateTargets } from './bulk-create';
import { createTarget } from './create';
import { FlipSchema, listFlips } from './flips';
import { HistoryQuery } from './history';
import { CheckResultSchema, listResults } from './results';
import { StatsQuery, StatsSchema, targetStats } from './stats';
import { getTarget } from './get';
import { ListTargetsQuery, listTargetsHandler } from './list';
import { TargetSchema } from './representation';
import { bulkCreateTargetsBody, createTargetBody, MAX_TARGETS_PER_BULK_CREATE, targetPatchBody } from './schema';
import { updateTarget } from './update';

const TargetPath = z.object({ id: idSchema('tgt', 'a target').meta({ description: 'The target id, tgt_…' }) });
const target = { description: 'The target', body: TargetSchema, headers: { ETag: 'The target version, for If-Match' } };
const noPolicy = { description: '`escalationPolicyId` names no escalation policy' };

/** Reading targets takes a viewer's key, checking one now a responder's, changing them an admin's. */
export function targetRoutes(deps: ApiDeps): Operation[] {
  const tag = 'Targets';
  return [
    {
      method: 'post',
      path: '/v1/targets',
      tag,
      access: 'admin',
      summary: 'Create a target',
      description:
        'Starts watching the target at once. One flat object: the target fields beside its probe fields, `kind` ' +
        'naming the probe (`http` when left out). With an Idempotency-Key, a retry creates nothing more and answers the same. ' +
        "While Vigil's workers are behind (Temporal tasks waiting longer than VIGIL_ADMISSION_MAX_BACKLOG_SECONDS), a new " +
        'target would not be probed on time: it is refused with 503 `temporal-busy` and Retry-After, and nothing is created.',
      body: createTargetBody(deps.config.minIntervalSeconds),
      responses: {
        201: { description: 'Created', body: TargetSchema, headers: { Location: 'The target URL' } },
        422: noPolicy,
        503: { description: '`temporal-busy`: workers are behind, try again after Retry-After seconds; nothing was created' },
      },
      handler: createTarget(deps),
    },
    // Before /v1/targets/:id, so that its other methods answer for this path, not that one's.
    {
      method: 'post',
      path: '/v1/targets/bulk',
      tag,
      access: 'admin',
      summary: 'Create many targets',
      description:
        `An import: 1 to ${MAX_TARGETS_PER_BULK_CREATE} targets in \`targets\`, each the object POST /v1/targets takes, in a body of ` +
        'at most 1 MB. Every item is validated first: an invalid one refuses the whole batch with the problem a single ' +
        'create would give, its field named inside the batch (`targets.3.url`), and nothing is created. The batch is ' +
        'admitted once, whole: while workers are behind it is refused with 503 `temporal-busy` and Retry-After, and ' +
        'nothing is created. Then each target is created as a single create does it. An item Postgres refuses once ' +
        'its workflow has started (a ping token another target took meanwhile) is undone, and the others stand: 207, ' +
        'with `null` in its place and why in `refused`. With an Idempotency-Key, a retry answers the same and a retry ' +
        'after a failure (5xx) creates the same targets, never others.',
      body: bulkCreateTargetsBody(deps.config.minIntervalSeconds),
      bodyLimit: '1mb',
      responses: {
        201: { description: 'Created, every one', body: BulkCreatedSchema },
        207: { description: 'Created but for the items refused late, each undone', body: BulkPartlyCreatedSchema },
        422: { description: 'An item names an escalation policy that does not exist' },
        503: { description: '`temporal-busy`: workers are behind, try the whole batch again after Retry-After seconds; nothing was created' },
      },
      handler: bulkCreateTargets(deps),
    },
    {
      method: 'get',
      path: '/v1/targets',
      tag,
      access: 'viewer',
      summary: 'List targets',
      description: 'Newest first, with cursor pagination; filters combine.',
      query: ListTargetsQuery,
      responses: { 200: { description: 'A page of targets', body: pageSchema(TargetSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: listTargetsHandler(deps),
    },
    {
      method: 'get',
      path: '/v1/targets/:id',
      tag,
      access: 'viewer',
      summary: 'Get a target',
      params: TargetPath,
      responses: { 200: target },
      handler: getTarget(deps),
    },
    {
      method: 'patch',
      path: '/v1/targets/:id',
      tag,
      access: 'admin',
      summary: 'Change a target',
      description: 'Merges the given fields over the configuration in force; `If-Match: "<version>"` refuses a lost update.',
      params: TargetPath,
      body: targetPatchBody(deps.config.minIntervalSeconds),
      responses: {
        200: target,
        404: { description: 'No such target' },
        409: { description: 'If-Match names a version that is no longer current' },
        422: noPolicy,
      },
      handler: updateTarget(deps),
    },
    {
      method: 'delete',
      path: '/v1/targets/:id',
      tag,
      access: 'admin',
      summary: 'Delete a target',
      description: 'Stops watching it; its results stay until retention removes them.',
      params: TargetPath,
      responses: { 204: { description: 'Deleted' } },
      handler: deleteTarget(deps),
    },
    {
      method: 'post',
      path: '/v1/targets/:id/pause',
      tag,
      access: 'admin',
      summary: 'Pause a target',
      params: TargetPath,
      responses: { 200: target },
      handler: pauseOrResume(deps, 'pause'),
    },
    {
      method: 'post',
      path: '/v1/targets/:id/resume',
      tag,
      access: 'admin',
      summary: 'Resume a paused target',
      params: TargetPath,
      responses: { 200: target },
      handler: pauseOrResume(deps, 'resume'),
    },
    {
      method: 'post',
      path: '/v1/targets/:id/check',
      tag,
      // Changes no configuration, and is what a responder reaches for first during an incident.
      access: 'responder',
      summary: 'Check a target now',
      description: 'Probes at once, off the schedule, and answers with the result, which counts toward the target state.',
      params: TargetPath,
      responses: {
        200: {
          description: 'The probe result',
          body: z.object({
            checkedAt: z.iso.datetime({ offset: true }),
            outcome: z.enum(['up', 'degraded', 'down']),
            latencyMs: z.number().nullable(),
            error: z.string().nullable(),
          }),
        },
      },
      handler: checkNow(deps),
    },
    {
      method: 'get',
      path: '/v1/targets/:id/results',
      tag,
      access: 'viewer',
      summary: "List a target's probe results",
      description: 'Newest first, one per probed slot, with cursor pagination; from and to narrow the time range.',
      params: TargetPath,
      query: HistoryQuery,
      responses: { 200: { description: 'A page of results', body: pageSchema(CheckResultSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: listResults(deps),
    },
    {
      method: 'get',
      path: '/v1/targets/:id/flips',
      tag,
      access: 'viewer',
      summary: "List a target's state changes",
      description: 'Every change of the state it shows, newest first, with cursor pagination; from and to narrow the time range.',
      params: TargetPath,
      query: HistoryQuery,
      responses: { 200: { description: 'A page of state changes', body: pageSchema(FlipSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: listFlips(deps),
    },
    {
      method: 'get',
      path: '/v1/targets/:id/stats',
      tag,
      access: 'viewer',
      summary: "A target's uptime and latency over a range",
      description:
        'Read from hourly and daily rollups, never from raw results. Whole UTC hours: every hour the range overlaps ' +
        'counts whole. Uptime is (probes − missed − down) / (probes − missed); degraded counts as up.',
      params: TargetPath,
      query: StatsQuery,
      responses: { 200: { description: 'Uptime and latency', body: StatsSchema } },
      handler: targetStats(deps),
    },
  ];
}
