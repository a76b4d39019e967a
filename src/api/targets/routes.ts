import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { createTarget } from './create';
import { getTarget } from './get';

export function targetRoutes(deps: ApiDeps): Router {
  return Router().post('/', createTarget(deps)).get('/:id', getTarget(deps));
}
