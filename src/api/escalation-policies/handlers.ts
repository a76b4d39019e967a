import type { RequestHandler } from 'express';
import { z } from 'zod';
import { deletePolicyRow, findPolicy, insertPolicy, listPolicies, replacePolicy, targetsUsingPolicy, unknownLevelReferences } from '../../db/escalation';
import { EscalationPolicyInputSchema, type EscalationPolicyInput } from '../../domain/escalation';
import { ResourceKeySchema } from '../../domain/resource-key';
import { isId } from '../../ids';
import type { ApiDeps } from '../deps';
import { idempotentId } from '../idempotency';
import { idCursor, pageQueryFields, sendPage } from '../pagination';
import { Problem, validated } from '../problems';
import { policyRepresentation } from './representation';

export const ListPoliciesQuery = z.strictObject({
  key: ResourceKeySchema.optional().meta({ description: 'Only the policy of this key.' }),
  ...pageQueryFields,
});

/** The body, validated, and every channel, user, schedule and rotation it names known: an unknown one is a 422 naming where it appears. */
async function parseBody(deps: ApiDeps, body: unknown): Promise<EscalationPolicyInput> {
  const parsed = validated(EscalationPolicyInputSchema, body);
  const unknown = await unknownLevelReferences(deps.prisma, parsed.levels);
  if (unknown.length > 0) {
    throw new Problem('unprocessable', `no such ${unknown.map((u) => `${u.what} ${u.id}`).join(', ')}`, {
      errors: unknown.map(({ field, id, what }) => ({ field, message: `no ${what} ${id}` })),
    });
  }
  return parsed;
}

/** A write Postgres refuses (a channel or person deleted between the check and the write, a key another policy has), as the problem saying so. */
const refusedWrite = (err: unknown): never => {
  if ((err as { code?: string }).code === 'P2003') throw new Problem('unprocessable', 'a channel, user, schedule or rotation of this policy was just deleted');
  if ((err as { code?: string }).code === 'P2002')
    throw new Problem('conflict', 'another escalation policy has this key', { errors: [{ field: 'key', message: 'taken by another policy' }] });
  throw err;
};

const notFound = (id: string) => new Problem('not-found', `no escalation policy ${id}`);

export const createPolicy =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const input = await parseBody(deps, req.body);
    const policy = await insertPolicy(deps.prisma, idempotentId(res, 'esc'), input).catch(refusedWrite);
    res.status(201).location(`/v1/escalation-policies/${policy.id}`).json(policyRepresentation(policy));
  };

export const listPoliciesHandler =
  (deps: ApiDeps): RequestHandler =>
  async (req, res) => {
    const { limit, cursor, key } = validated(ListPoliciesQuery, req.query, 'query');
    sendPage(req, res, await listPolicies(deps.prisma, { before: cursor, limit: limit + 1, key }), limit, policyRepresentation, idCursor);
  };

export const getPolicy =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const policy = isId('esc', req.params.id) ? await findPolicy(deps.prisma, req.params.id) : null;
    if (!policy) throw notFound(req.params.id);
    res.json(policyRepresentation(policy));
  };

/** PUT: the whole policy anew, as its next version. Incidents already open keep the version they captured. */
export const replacePolicyHandler =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    if (!isId('esc', req.params.id)) throw notFound(req.params.id);
    const input = await parseBody(deps, req.body);
    const policy = await replacePolicy(deps.prisma, req.params.id, input).catch(refusedWrite);
    if (!policy) throw notFound(req.params.id);
    res.json(policyRepresentation(policy));
  };

/** DELETE: refused while a target names the policy. Incidents keep the snapshot they captured. */
export const deletePolicy =
  (deps: ApiDeps): RequestHandler<{ id: string }> =>
  async (req, res) => {
    const { id } = req.params;
    if (!isId('esc', id) || !(await findPolicy(deps.prisma, id))) throw notFound(id);
    const targets = await targetsUsingPolicy(deps.pool, id);
    if (targets.length > 0) throw new Problem('conflict', `targets use this escalation policy: ${targets.join(', ')}; change their escalationPolicyId first`);
    await deletePolicyRow(deps.prisma, id);
    res.status(204).end();
  };
