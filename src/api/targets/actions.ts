import type { RequestHandler } from 'express';
import { checkNowUpdate, deleteTargetUpdate, pauseUpdate, resumeUpdate } from '../../contracts/target';
import type { ApiDeps } from '../deps';
import { temporalCall } from '../temporal';
import { readTarget, targetHandle } from './handle';
import { targetRepresentation } from './representation';

/** POST /v1/targets/:id/pause and /resume: applied by the workflow before the answer; repeating one is harmless. */
export function pauseOrResume(deps: ApiDeps, action: 'pause' | 'resume'): RequestHandler<{ id: string }> {
  const update = action === 'pause' ? pauseUpdate : resumeUpdate;
  return async (req, res) => {
    const handle = targetHandle(deps, req.params.id);
    await temporalCall(deps.temporal, () => handle.executeUpdate(update));
    const target = await readTarget(deps, req.params.id);
    res.set('ETag', `"${target.configVersion}"`).json(targetRepresentation(target));
  };
}

/** The longest probe (60 s) plus the workflow's own round trips: "check now" answers with the probe's result. */
const CHECK_NOW_DEADLINE_MS = 75_000;

/** POST /v1/targets/:id/check: probes now, off the schedule; the result counts toward the target's state. */
export function checkNow(deps: ApiDeps): RequestHandler<{ id: string }> {
  return async (req, res) => {
    const handle = targetHandle(deps, req.params.id);
    const checked = await temporalCall(deps.temporal, () => handle.executeUpdate(checkNowUpdate), CHECK_NOW_DEADLINE_MS);
    res.json({
      checkedAt: new Date(checked.scheduledAt),
      outcome: checked.outcome,
      latencyMs: checked.latencyMs ?? null,
      error: checked.error ?? null,
    });
  };
}

/** DELETE /v1/targets/:id: the workflow stops probing, removes the target's projections, and ends. */
export function deleteTarget(deps: ApiDeps): RequestHandler<{ id: string }> {
  return async (req, res) => {
    const handle = targetHandle(deps, req.params.id);
    await temporalCall(deps.temporal, () => handle.executeUpdate(deleteTargetUpdate));
    res.status(204).end();
  };
}
