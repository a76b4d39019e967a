import type { RequestHandler } from 'express';
import { z } from 'zod';
import { deleteChannelRow, findChannel, insertChannel, listChannels, policiesUsingChannel, replaceChannel } from '../../db/escalation';
import { CHANNEL_SECRET_FIELDS, ChannelInputSchema, type ChannelInput } from '../../domain/escalation';
import { CHANNEL_TEST_WORKFLOW, type ChannelTestResult, type ChannelTestWorkflow } from '../../contracts/channel-test';
import { channelTestWorkflowId, isId, TASK_QUEUE } from '../../ids';
import { principalOf } from '../auth/middleware';
import { ResourceKeySchema } from '../../domain/resource-key';
import type { ApiDeps } from '../deps';
import { idempotentId } from '../idempotency';
import { idCursor, pageQueryFields, sendPage } from '../pagination';
import { Problem, validated } from '../problems';
import { temporalCall } from '../temporal';
import { channelRepresentation } from './representation';

export const ListChannelsQuery = z.strictObject({
  key: ResourceKeySchema.optional().meta({ description: 'Only the channel of this key.' }),
  ...pageQueryFields,
});

/** Another channel has the key: Prisma's unique violation, as the problem naming the field. */
const keyTaken = (err: unknown): never => {
  if ((err as { code?: string }).code === 'P2002')
    throw new Problem('conflict', 'another channel has this key', { errors: [{ field: 'key', message: 'taken by another channel' }] });
  throw err;
};

const parseBody = (body: unknown): ChannelInput => validated(ChannelInputSchema, body);

async function existing(deps: ApiDeps, id: string) {
  const channel = isId('chn', id) ? await findChannel(deps.prisma, deps.secrets, id) : undefined;
  if (!channel) throw new Problem('not-found', `no channel ${id}`);
  return channel;
}

/** The secret fields a request wrote: the answer to it shows them whole (the writer has them anyway). */
const written = (input: ChannelInput): string[] => (CHANNEL_SECRET_FIELDS[input.kind] as readonly string[]).filter((field) => field in input);

/** POST /v1/channels: the answer is the only one that shows its secrets whole (a signing secret Vigil made included). */
export const createChannel =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const input = parseBody(req.body);
    const channel = await insertChannel(deps.prisma, deps.secrets, idempotentId(res, 'chn'), input).catch(keyTaken);
    res
      .status(201)
      .location(`/v1/channels/${channel.id}`)
      .json(channelRepresentation(channel, { revealed: CHANNEL_SECRET_FIELDS[input.kind] }));
  };

export const listChannelsHandler =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const { limit, cursor, key } = validated(ListChannelsQuery, req.query, 'query');
    sendPage(
      req,
      res,
      await listChannels(deps.prisma, deps.secrets, { before: cursor, limit: limit + 1, key }),
      limit,
      (c) => channelRepresentation(c),
      idCursor,
    );
  };

export const getChannel =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    res.json(channelRepresentation(await existing(deps, req.params.id)));
  };

/**
 * PUT /v1/channels/:id: replaces its settings. A webhook written without a signing secret keeps the one it has; with
 * one, the answer shows it. Deliveries read the channel as it is at each attempt, so a fixed URL helps incidents
 * already open.
 */
export const replaceChannelHandler =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const current = await existing(deps, req.params.id);
    const input = parseBody(req.body);
    const keepsSecret = input.kind === 'webhook' && !input.signingSecret && current.config.kind === 'webhook';
    const stored = keepsSecret && current.config.kind === 'webhook' ? { ...input, signingSecret: current.config.signingSecret } : input;
    const channel = await replaceChannel(deps.prisma, deps.secrets, current.id, stored).catch(keyTaken);
    res.json(channelRepresentation(channel, { revealed: written(input) }));
  };

/** DELETE /v1/channels/:id: refused while an escalation policy uses it, naming them. */
export const deleteChannel =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const { id } = await existing(deps, req.params.id);
    const policies = await policiesUsingChannel(deps.prisma, id);
    if (policies.length > 0) throw new Problem('conflict', `the channel is used by escalation policies ${policies.join(', ')}: remove it from them first`);
    try {
      await deleteChannelRow(deps.prisma, id);
    } catch (err) {
      // A policy took it up between the check and the delete: the foreign key refuses.
      if ((err as { code?: string }).code === 'P2003') throw new Problem('conflict', 'the channel is used by an escalation policy: remove it from it first');
      throw err;
    }
    res.status(204).end();
  };

/** Long enough for a slow receiver's two attempts (PagerDuty's trigger and resolve), short enough for a request. */
const TEST_DEADLINE_MS = 30_000;

/**
 * POST /v1/channels/:id/test: sends a test notification now, through a worker as incidents' are (same address guard,
 * same secrets), and answers how it went: delivered, or what the receiver said. One attempt, never retried.
 */
export const testChannel =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const { id } = await existing(deps, req.params.id);
    const result: ChannelTestResult = await temporalCall(
      deps.temporal,
      () =>
        deps.temporal.workflow.execute<ChannelTestWorkflow>(CHANNEL_TEST_WORKFLOW, {
          workflowId: channelTestWorkflowId(id, idempotentId(res, 'act')),
          taskQueue: TASK_QUEUE,
          args: [{ channelId: id, requestedBy: principalOf(res)!.name }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      TEST_DEADLINE_MS,
    );
    res.json(result);
  };
