import express, { type Express } from 'express';
import { authenticate } from './auth/middleware';
import { auditChanges, auditRoutes } from './audit';
import { apiKeyRoutes } from './auth/routes';
import { calendarRoutes } from './calendars/routes';
import { channelRoutes } from './channels/routes';
import { CODEC_PATH, codecCors, codecRoutes } from './codec/routes';
import { configRoutes } from './config/routes';
import type { ApiDeps } from './deps';
import { escalationPolicyRoutes } from './escalation-policies/routes';
import { healthRoutes } from './health';
import { incidentRoutes } from './incidents/routes';
import { idempotency, refuseIdempotencyKey } from './idempotency';
import { apiMetrics } from './metrics';
import { openApiRoute } from './openapi';
import { mountOperations, type Operation } from './operations';
import { pingRoutes } from './pings/routes';
import { publicRoutes } from './public/status-pages';
import { notFoundHandler, problemHandler } from './problems';
import { rateLimiter } from './rate-limit';
import { requestId } from './request-id';
import { rotationRoutes } from './rotations/routes';
import { scheduleRoutes } from './schedules/routes';
import { securityHeaders } from './security-headers';
import { statusPageRoutes } from './status-pages/routes';
import { targetRoutes } from './targets/routes';
import { userRoutes } from './users/routes';

/**
 * The REST API. Stateless: everything it answers comes from Postgres projections or Temporal, never from memory (the
 * per-address rate limiter for unauthenticated traffic is the one exception, see rate-limit.ts).
 */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const metrics = apiMetrics(deps.pool);
  const unauthenticated = rateLimiter({ perMinute: deps.config.publicRateLimitPerMinute });
  app.use(requestId);
  app.use(securityHeaders);
  app.use(metrics.middleware);
  const codec = deps.config.codec ?? { corsOrigins: [] };
  // Before authentication: a browser's CORS preflight carries no key.
  app.use(CODEC_PATH, codecCors(codec));
  // Bodies are read per route, after its access checks (operations.ts): a refused caller's body is never parsed.
  app.use(authenticate(deps.pool, unauthenticated));
  // Every route is an Operation: documented in /v1/openapi.json, and guarded by the access it declares.
  const operations: Operation[] = [
    ...healthRoutes(deps),
    metrics.operation,
    openApiRoute(() => operations),
    ...targetRoutes(deps),
    ...incidentRoutes(deps),
    ...escalationPolicyRoutes(deps),
    ...channelRoutes(deps),
    ...apiKeyRoutes(deps),
    ...pingRoutes(deps),
    ...codecRoutes(codec),
    ...statusPageRoutes(deps),
    ...publicRoutes(deps),
    ...userRoutes(deps),
    ...rotationRoutes(deps),
    ...scheduleRoutes(deps),
    ...calendarRoutes(deps),
    ...auditRoutes(deps),
    ...configRoutes(),
  ];
  mountOperations(app, operations, {
    publicRateLimit: unauthenticated,
    idempotency: idempotency(deps.pool, deps.log, deps.secrets),
    refuseIdempotencyKey,
    audit: auditChanges(deps.pool),
  });
  app.use(notFoundHandler);
  app.use(problemHandler(deps.log));
  return app;
}
