import type { RequestHandler } from 'express';
import { isRefusedRow } from '../../db/errors';
import { upsertTarget } from '../../db/targets';
import type { TargetSpec } from '../../domain/target';
import type { ApiDeps } from '../deps';
import { idempotentId } from '../idempotency';
import { Problem, validated } from '../problems';
import { temporalCall } from '../temporal';
import { assertRoomForNewTarget } from './admission';
import { assertPolicyExists } from './policy';
import { createTargetBody } from './schema';
import { targetRepresentation } from './representation';
import { startTargetWorkflow } from './workflow';
import { readTarget } from './handle';

/** POST /v1/targets: one target, created as `startNewTarget` says. */
export function createTarget(deps: ApiDeps): RequestHandler {
  const body = createTargetBody(deps.config.minIntervalSeconds);
  return async (req, res) => {
    const spec = validated(body, req.body);
    await assertPolicyExists(deps.pool, spec);
    await assertRoomForNewTarget(deps.temporal, deps.config.admissionMaxBacklogSeconds);
    // With an Idempotency-Key, derived from it: a retry after a crash starts the same workflow, and Temporal keeps it.
    const id = idempotentId(res, 'tgt');
    const refused = await startNewTarget(deps, id, spec);
    if (refused) throw refused;
    const target = await readTarget(deps, id);
    res.status(201).location(`/v1/targets/${id}`).json(targetRepresentation(target));
  };
}

/**
 * Creates one validated, admitted target: a create's, or one item of a bulk create's. The target's workflow is
 * started first; it projects the target into Postgres itself, so a crash between the two steps below still leaves a
 * whole target, and a failed start leaves nothing. The API writes the same projection too, so the read that follows
 * a create finds it. A projection Postgres refuses (a ping token another target has) undoes the create, and is
 * answered with the problem that says why; undefined once the target is created.
 */
export async function startNewTarget(deps: ApiDeps, id: string, spec: TargetSpec): Promise<Problem | undefined> {
  const workflow = await startTargetWorkflow(deps.temporal, id, spec);
  try {
    await upsertTarget(deps.pool, deps.secrets, { targetId: id, spec, version: 1, paused: false });
    return undefined;
  } catch (err) {
    if (!isRefusedRow(err)) throw err;
    // The workflow's own projection fails the same way: stop it, so that nothing of this target is left behind.
    await temporalCall(deps.temporal, () => workflow.terminate('its projection cannot be stored')).catch((e: unknown) => {
      if (!(e instanceof Problem && e.type === 'not-found')) throw e;
    });
    return refusal(err);
  }
}

/** Why Postgres refused a new target's row, as the problem to answer. */
function refusal(err: unknown): Problem {
  const { constraint, message } = err as { constraint?: string; message: string };
  if (constraint === 'targets_ping_token_key') {
    return new Problem('conflict', 'another target has this ping token', { errors: [{ field: 'token', message: 'taken by another target' }] });
  }
  if (constraint === 'targets_key_key') {
    return new Problem('conflict', 'another target has this key', { errors: [{ field: 'key', message: 'taken by another target' }] });
  }
  return new Problem('unprocessable', `the target cannot be stored: ${message}`);
}
