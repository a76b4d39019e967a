import type { Express, RequestHandler } from 'express';
import type { z } from 'zod';
import { requireRole } from './auth/middleware';
import { jsonBody, jsonBodyUpTo, storableUrl } from './body';
import type { Role } from '../domain/roles';
import { Problem } from './problems';

/**
 * One route of the API, described once: what it does, who may call it, what it takes and what it answers. The
 * OpenAPI document (/v1/openapi.json) and the role checks are both made from these descriptions, and a test holds
 * the routes Express serves to the document, both ways. To add a route, add an Operation to its resource's list
 * (see targets/routes.ts) and the list to `createApp`; a route registered on Express any other way fails that test.
 */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax, from the root: `/v1/targets/:id`. */
  path: string;
  /** The OpenAPI tag: the resource's name, e.g. `Targets`. */
  tag: string;
  summary: string;
  description?: string;
  /** The least role that may call it (viewer < responder < admin), or `public`: no key needed, rate-limited per address. */
  access: Role | 'public';
  /** The schemas the handler validates with; documented as they are. Only an operation with a `body` reads one. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Largest body it reads, in express's notation; 64 kB when absent. */
  bodyLimit?: string;
  /**
   * Authenticated POSTs take an Idempotency-Key (src/api/idempotency.ts). `false` refuses one instead, for an answer
   * that must never be stored.
   */
  idempotent?: false;
  /** Authenticated operations other than GET are recorded in the audit log (src/api/audit.ts); `false` for one that changes nothing. */
  audit?: false;
  /** `mediaType` of a body that is not JSON (an HTML page, an SVG image); `body` then describes it as a string. */
  responses: Record<number, { description: string; body?: z.ZodType; mediaType?: string; headers?: Record<string, string> }>;
  /** Typed by each handler for its own params. */
  // biome-ignore lint/suspicious/noExplicitAny: each operation's handler types its own path parameters
  handler: RequestHandler<any>;
}

export interface Guards {
  /** Unauthenticated traffic: public routes. */
  publicRateLimit: RequestHandler;
  /** Authenticated POSTs. */
  idempotency: RequestHandler;
  refuseIdempotencyKey: RequestHandler;
  /** Records a change in the audit log once it succeeds. */
  audit: (op: Operation) => RequestHandler;
}

/** Whether the audit log records the operation: every authenticated one but reads and those marked `audit: false`. */
export const isAudited = (op: Operation): boolean => op.access !== 'public' && op.method !== 'get' && op.audit !== false;

/** Answers that carry configuration or secrets are never cached by a browser or a proxy. */
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/** A request without a body reads as `{}`: the body may be left out where every field may (openapi.ts says which). */
const noBodyIsEmpty: RequestHandler = (req, _res, next) => {
  req.body ??= {};
  next();
};

/**
 * Registers each operation on the app behind what its access needs (a role check, or a rate limit when public), then
 * its body parser if it takes a body, then for authenticated POSTs the Idempotency-Key handling, then for changes the
 * audit log's recording. An operation without a body ignores whatever was sent (a cron job's ping may carry its log,
 * in any content type).
 */
export function mountOperations(app: Express, operations: readonly Operation[], guards: Guards): void {
  for (const op of operations) {
    const before: RequestHandler[] = op.access === 'public' ? [guards.publicRateLimit] : [requireRole(op.access), noStore];
    before.push(storableUrl);
    if (op.body) before.push(...(op.bodyLimit ? jsonBodyUpTo(op.bodyLimit) : jsonBody), noBodyIsEmpty);
    if (op.method === 'post' && op.access !== 'public') {
      before.push(op.idempotent === false ? guards.refuseIdempotencyKey : guards.idempotency);
    }
    // After the idempotency layer: a replayed answer is not a change.
    if (isAudited(op)) before.push(guards.audit(op));
    app[op.method](op.path, ...before, op.handler);
  }
  for (const [path, allow] of allowedMethods(operations)) app.all(path, otherMethods(allow));
}

/**
 * The methods each path answers, as `Allow` lists them: its operations', HEAD wherever GET (Express answers HEAD with
 * the GET handler), and OPTIONS.
 */
export function allowedMethods(operations: readonly Operation[]): Map<string, string[]> {
  const byPath = new Map<string, Set<string>>();
  for (const op of operations) {
    const methods = byPath.get(op.path) ?? new Set<string>();
    methods.add(op.method.toUpperCase());
    if (op.method === 'get') methods.add('HEAD');
    byPath.set(op.path, methods);
  }
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
  return new Map([...byPath].map(([path, methods]) => [path, [...order.filter((m) => methods.has(m)), 'OPTIONS']]));
}

/**
 * What a known path answers to a method none of its operations takes: OPTIONS is 204 with `Allow`, anything else a
 * 405 problem with `Allow` (RFC 9110 §15.5.6). Registered after the operations, so after authentication: a request
 * without a key learns the methods (the public OpenAPI document lists them anyway), one with a bad key is a 401 as
 * everywhere. Unknown paths stay 404.
 */
export function otherMethods(allow: string[]): RequestHandler {
  const header = allow.join(', ');
  return function answerOtherMethods(req, res) {
    if (req.method === 'OPTIONS') return void res.set('Allow', header).status(204).end();
    throw new Problem('method-not-allowed', `${req.method} is not one of ${header}`, { headers: { Allow: header } });
  };
}
