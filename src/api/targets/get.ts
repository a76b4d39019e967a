import type { RequestHandler } from 'express';
import { isId } from '../../ids';
import type { ApiDeps } from '../deps';
import { Problem } from '../problems';
import { targetRepresentation } from './representation';

/** GET /v1/targets/:id: configuration and current status from the projections, in one indexed lookup. */
export function getTarget(deps: ApiDeps): RequestHandler<{ id: string }> {
  return async (req, res) => {
    const { id } = req.params;
    const target = isId('tgt', id)
      ? await deps.prisma.target.findUnique({ where: { id }, include: { status: true } })
      : null;
    if (!target) throw new Problem('not-found', `no target ${id}`);
    res.set('ETag', `"${target.configVersion}"`).json(targetRepresentation(target, target.status));
  };
}
