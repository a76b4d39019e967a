import type { RequestHandler } from 'express';
import { statusQuery, updateTargetUpdate } from '../../contracts/target';
import type { ApiDeps } from '../deps';
import { Problem, validated } from '../problems';
import { temporalCall } from '../temporal';
import { readTarget, targetHandle } from './handle';
import { targetRepresentation } from './representation';
import { assertPolicyExists } from './policy';
import { createTargetBody, mergeTargetFields, targetPatchBody } from './schema';

/** `If-Match: "3"` (or W/"3"): the version the client read; a change made since is a 409, not a lost update. */
function expectedVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const version = /^(?:W\/)?"(\d+)"$/.exec(header.trim())?.[1];
  if (!version) throw new Problem('invalid-request', 'If-Match must be the ETag of the target, e.g. "3"');
  return Number(version);
}

/**
 * PATCH /v1/targets/:id: merges the given fields over the configuration in force, validates the whole, and hands it to
 * the target's workflow as an update, which checks it again and either applies it or refuses it, keeping the old one.
 */
export function updateTarget(deps: ApiDeps): RequestHandler<{ id: string }> {
  const body = createTargetBody(deps.config.minIntervalSeconds);
  const Patch = targetPatchBody(deps.config.minIntervalSeconds);
  return async (req, res) => {
    const handle = targetHandle(deps, req.params.id);
    const patch = validated(Patch, req.body);
    const ifMatch = expectedVersion(req.get('if-match'));
    const current = await temporalCall(deps.temporal, () => handle.query(statusQuery));
    const spec = validated(body, mergeTargetFields(current.spec, patch));
    await assertPolicyExists(deps.pool, spec);
    await temporalCall(deps.temporal, () => handle.executeUpdate(updateTargetUpdate, { args: [{ spec, expectedVersion: ifMatch ?? current.version }] }));
    const target = await readTarget(deps, req.params.id);
    res.set('ETag', `"${target.configVersion}"`).json(targetRepresentation(target));
  };
}
