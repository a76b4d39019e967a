import { z } from 'zod';
import { escalationPolicyId, EscalationPolicyInputSchema } from '../../domain/escalation';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { pageSchema } from '../pagination';
import { createPolicy, deletePolicy, getPolicy, ListPoliciesQuery, listPoliciesHandler, replacePolicyHandler } from './handlers';
import { EscalationPolicySchema } from './representation';

const PolicyPath = z.object({ id: escalationPolicyId.meta({ description: 'The escalation policy id, esc_…' }) });
const policy = { description: 'The escalation policy', body: EscalationPolicySchema };

/** Anyone may read who is on call (viewers); admins manage policies. */
export function escalationPolicyRoutes(deps: ApiDeps): Operation[] {
  const tag = 'Escalation policies';
  return [
    {
      method: 'post',
      path: '/v1/escalation-policies',
      tag,
      access: 'admin',
      summary: 'Create an escalation policy',
      description:
        'Ordered levels, each with its channels and an acknowledgement timeout (60 s to 7 days); the whole chain runs ' +
        '`repeat` more times when nobody acknowledges. Targets name it in `escalationPolicyId`.',
      body: EscalationPolicyInputSchema,
      responses: { 201: { description: 'Created', body: EscalationPolicySchema, headers: { Location: 'The policy URL' } } },
      handler: createPolicy(deps),
    },
    {
      method: 'get',
      path: '/v1/escalation-policies',
      tag,
      access: 'viewer',
      summary: 'List escalation policies',
      description: 'Newest first, with cursor pagination.',
      query: ListPoliciesQuery,
      responses: { 200: { description: 'A page of policies', body: pageSchema(EscalationPolicySchema), headers: { Link: 'rel="next": the next page' } } },
      handler: listPoliciesHandler(deps),
    },
    {
      method: 'get',
      path: '/v1/escalation-policies/:id',
      tag,
      access: 'viewer',
      summary: 'Get an escalation policy',
      params: PolicyPath,
      responses: { 200: policy },
      handler: getPolicy(deps),
    },
    {
      method: 'put',
      path: '/v1/escalation-policies/:id',
      tag,
      access: 'admin',
      summary: 'Replace an escalation policy',
      description: 'Its next version. Incidents already open keep escalating with the version they opened with.',
      params: PolicyPath,
      body: EscalationPolicyInputSchema,
      responses: { 200: policy },
      handler: replacePolicyHandler(deps),
    },
    {
      method: 'delete',
      path: '/v1/escalation-policies/:id',
      tag,
      access: 'admin',
      summary: 'Delete an escalation policy',
      description: 'Refused (409) while a target names it.',
      params: PolicyPath,
      responses: { 204: { description: 'Deleted' } },
      handler: deletePolicy(deps),
    },
  ];
}
