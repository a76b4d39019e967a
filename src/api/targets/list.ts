import type { RequestHandler } from 'express';
import { z } from 'zod';
import { listTargets } from '../../db/target-reads';
import { ProbeSchema } from '../../domain/probe';
import { ResourceKeySchema } from '../../domain/resource-key';
import { TagSchema } from '../../domain/target';
import type { ApiDeps } from '../deps';
import { idCursor, pageQueryFields, sendPage } from '../pagination';
import { validated } from '../problems';
import { SHOWN_STATES, targetRepresentation } from './representation';

const KINDS = ProbeSchema.options.map((probe) => probe.shape.kind.value);

export const ListTargetsQuery = z.strictObject({
  state: z.enum(SHOWN_STATES).optional().meta({ description: 'Only targets showing this state.' }),
  kind: z
    .enum(KINDS as [string, ...string[]])
    .optional()
    .meta({ description: 'Only targets of this kind.' }),
  tag: z
    .union([TagSchema.transform((tag) => [tag]), z.array(TagSchema).max(10)])
    .optional()
    .meta({ description: 'Only targets with this tag; repeat (`tag=a&tag=b`) for targets with all of them.' }),
  key: ResourceKeySchema.optional().meta({ description: 'Only the target of this key.' }),
  ...pageQueryFields,
});

/** GET /v1/targets: newest first, filtered by state, kind, tags and key, one indexed query per page. */
export function listTargetsHandler(deps: ApiDeps): RequestHandler {
  return async (req, res) => {
    const { state, kind, tag, key, limit, cursor } = validated(ListTargetsQuery, req.query, 'query');
    const rows = await listTargets(deps.pool, { state, kind, tags: tag, key, before: cursor, limit: limit + 1 });
    sendPage(req, res, rows, limit, targetRepresentation, idCursor);
  };
}
