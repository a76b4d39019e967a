import express, { type Express } from 'express';
import type { ApiDeps } from './deps';
import { notFoundHandler, Problem, problemHandler } from './problems';
import { targetRoutes } from './targets/routes';

/** The REST API. Stateless: everything it answers comes from Postgres projections or Temporal, never from memory. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use((req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && ['POST', 'PUT', 'PATCH'].includes(req.method) && !req.is('application/json')) {
      return next(new Problem('unsupported-media-type', `got ${req.headers['content-type'] ?? 'no content type'}`));
    }
    next();
  });
  app.use(express.json({ limit: '64kb' }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/v1/targets', targetRoutes(deps));
  app.use(notFoundHandler);
  app.use(problemHandler(deps.log));
  return app;
}
