import type { RequestHandler } from 'express';
import { upsertTarget } from '../../db/targets';
import type { ApiDeps } from '../deps';
import { idempotentId } from '../idempotency';
import { validated } from '../problems';
import { assertPolicyExists, createTargetBody } from './schema';
import { targetRepresentation } from './representation';
import { startTargetWorkflow } from './workflow';
import { readTarget } from './handle';

/**
 * POST /v1/targets. The target's workflow is started first; it projects the target into Postgres itself, so a crash
 * between the two steps below still leaves a whole target, and a failed start leaves nothing. The API writes the
 * same projection too, so the read that follows a create finds it.
 */
export function createTarget(deps: ApiDeps): RequestHandler {
  const body = createTargetBody(deps.config.minIntervalSeconds);
  return async (req, res) => {
    const spec = validated(body, req.body);
    await assertPolicyExists(deps.pool, spec);
    // With an Idempotency-Key, derived from it: a retry after a crash starts the same workflow, and Temporal keeps it.
    const id = idempotentId(res, 'tgt');
    await startTargetWorkflow(deps.temporal, id, spec, deps.config.probeMode);
    await upsertTarget(deps.pool, { targetId: id, spec, version: 1, paused: false });
    const target = await readTarget(deps, id);
    res.status(201).location(`/v1/targets/${id}`).json(targetRepresentation(target));
  };
}
