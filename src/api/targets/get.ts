import type { RequestHandler } from 'express';
import type { ApiDeps } from '../deps';
import { readTarget } from './handle';
import { targetRepresentation } from './representation';

/** GET /v1/targets/:id: configuration and current status from the projections, in one query by primary key. */
export function getTarget(deps: ApiDeps): RequestHandler<{ id: string }> {
  return async (req, res) => {
    const target = await readTarget(deps, req.params.id);
    res.set('ETag', `"${target.configVersion}"`).json(targetRepresentation(target));
  };
}
