import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { forEachAtMost } from '../../concurrency';
import type { TargetSpec } from '../../domain/target';
import type { ApiDeps } from '../deps';
import { idempotentId } from '../idempotency';
import { Problem, problemDetails, validated } from '../problems';
import { assertRoomForNewTarget } from './admission';
import { startNewTarget } from './create';
import { readTargets } from './handle';
import { TargetSchema, targetRepresentation } from './representation';
import { assertPolicyExists } from './policy';
import { bulkCreateTargetsBody } from './schema';

/** Targets of one batch being started at once: enough to hide Temporal's round trips, few enough to share it. */
const STARTS_AT_ONCE = 8;

/**
 * POST /v1/targets/bulk: many targets in one request, each created as POST /v1/targets creates one, with one
 * admission check for the batch (an import otherwise asks Temporal about its task queues twice for every target).
 * Before anything starts, every item is validated and its escalation policy looked up: one bad item refuses the batch,
 * naming it (`targets.3.url`), and the batch is admitted or deferred whole. Then the items are created, a few at a
 * time. An item whose row Postgres refuses once its workflow has started (a ping token another target took meanwhile)
 * is undone as a single create undoes it, and the others stand (they may have been probed already: undoing them would
 * be deleting each, not a rollback): the answer is then a 207 saying which items were refused and why, with `null` in
 * their place among the targets. An item's id is derived from the Idempotency-Key and its index, so a retry after a
 * crash finds the workflows the first attempt started.
 */
export function bulkCreateTargets(deps: ApiDeps): RequestHandler {
  const body = bulkCreateTargetsBody(deps.config.minIntervalSeconds);
  return async (req, res) => {
    const specs = validated(body, req.body).targets;
    await assertPoliciesExist(deps.pool, specs);
    await assertRoomForNewTarget(deps.temporal, deps.config.admissionMaxBacklogSeconds);
    const ids = specs.map((_, i) => idempotentId(res, 'tgt', i));
    const refusals = new Map<number, Problem>();
    await forEachAtMost(STARTS_AT_ONCE, specs, async (spec, i) => {
      const refused = await startNewTarget(deps, ids[i]!, spec);
      if (refused) refusals.set(i, refused.within(`targets.${i}`));
    });
    const created = await readTargets(
      deps,
      ids.filter((_, i) => !refusals.has(i)),
    );
    const targets = ids.map((_, i) => (refusals.has(i) ? null : targetRepresentation(created.shift()!)));
    if (refusals.size === 0) return void res.status(201).json({ targets });
    const refused = [...refusals].sort(([a], [b]) => a - b).map(([index, problem]) => ({ index, ...problemDetails(problem) }));
    res.status(207).json({ targets, refused });
  };
}

/** The 201: every target of the batch. */
export const BulkCreatedSchema = z.object({ targets: z.array(TargetSchema).meta({ description: 'The targets created, in the order of the request' }) });

/** The 207: the targets created, and the items refused late (undone). */
export const BulkPartlyCreatedSchema = z.object({
  targets: z.array(TargetSchema.nullable()).meta({ description: 'In the order of the request; null for each refused item' }),
  refused: z
    .array(
      z.object({
        index: z.int().min(0).meta({ description: 'Which item of the request, from 0' }),
        type: z.string().meta({ description: 'https://vigil.dev/problems/conflict (a ping token another target has) or …/unprocessable' }),
        title: z.string(),
        status: z.int().meta({ description: 'What POST /v1/targets would have answered for this item alone' }),
        detail: z.string().optional(),
        errors: z.array(z.object({ field: z.string(), message: z.string() })).meta({ description: 'Naming the item, e.g. `targets.3.token`' }),
      }),
    )
    .meta({ description: 'Items Postgres refused after their workflow had started, each undone: problem details (RFC 9457) with the index' }),
});

/** Each item naming an escalation policy that does not exist, as one 422 naming every such item; each policy looked up once. */
async function assertPoliciesExist(pool: Pool, specs: readonly TargetSpec[]): Promise<void> {
  const lookups = new Map<TargetSpec['escalationPolicyId'], Promise<Problem | undefined>>();
  const lookup = (spec: TargetSpec) => {
    let found = lookups.get(spec.escalationPolicyId);
    if (!found) {
      found = assertPolicyExists(pool, spec).then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof Problem) return err;
          throw err;
        },
      );
      lookups.set(spec.escalationPolicyId, found);
    }
    return found;
  };
  const problems = await Promise.all(specs.map(async (spec, i) => (await lookup(spec))?.within(`targets.${i}`)));
  const refused = problems.filter((p) => p !== undefined);
  if (refused.length === 0) return;
  throw new Problem(refused[0]!.type, refused[0]!.detail, { errors: refused.flatMap((p) => p.extra.errors ?? []) });
}
