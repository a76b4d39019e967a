import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { checkNow, deleteTarget, pauseOrResume } from './actions';
import { createTarget } from './create';
import { getTarget } from './get';
import { updateTarget } from './update';

export function targetRoutes(deps: ApiDeps): Router {
  return Router()
    .post('/', createTarget(deps))
    .get('/:id', getTarget(deps))
    .patch('/:id', updateTarget(deps))
    .delete('/:id', deleteTarget(deps))
    .post('/:id/pause', pauseOrResume(deps, 'pause'))
    .post('/:id/resume', pauseOrResume(deps, 'resume'))
    .post('/:id/check', checkNow(deps));
}
