import type { RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import { findApiKeyBySecretHash, touchApiKey } from '../../db/api-keys';
import { Problem } from '../problems';
import { hashSecret, sameHash } from './keys';
import { hasRole, type Role } from '../../domain/roles';

/** Who is calling: the API key a request authenticated with, and the user it belongs to, if any. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  user?: { id: string; name: string };
}

export const principalOf = (res: Response): Principal | undefined => res.locals.principal as Principal | undefined;

const unauthorized = (detail: string) => new Problem('unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer realm="vigil"' } });

/**
 * Reads `Authorization: Bearer <key>`. No header: the request goes on anonymous, and only public routes will answer
 * it (`requireRole` refuses it with 401). A header with an unknown, malformed or revoked key is a 401 at once, on
 * every route. The key is looked up on every request, nothing is cached, so revoking a key takes effect at once on
 * every API instance. `onRefused` sees refusals first (the rate limiter counts them).
 */
export function authenticate(pool: Pool, onRefused: RequestHandler = (_req, _res, next) => next()): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined) return next();
    const refuse = (detail: string) => onRefused(req, res, (err?: unknown) => next(err ?? unauthorized(detail)));
    const secret = /^Bearer +(\S+)\s*$/i.exec(header)?.[1];
    if (!secret) return refuse('the Authorization header must be "Bearer <API key>"');
    const keyHash = hashSecret(secret);
    const key = await findApiKeyBySecretHash(pool, keyHash);
    if (!key || !sameHash(key.keyHash, keyHash)) return refuse('unknown API key');
    if (key.revokedAt) return refuse('this API key was revoked');
    const user = key.userId !== null && key.userName !== null ? { user: { id: key.userId, name: key.userName } } : {};
    res.locals.principal = { keyId: key.id, name: key.name, role: key.role, ...user } satisfies Principal;
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) await touchApiKey(pool, key.id);
    next();
  };
}

/** Lets the request through only for a key whose role includes `role`: 401 without a key, 403 with a lesser one. */
export function requireRole(role: Role): RequestHandler {
  return (_req, res, next) => {
    const principal = principalOf(res);
    if (!principal) throw unauthorized('send an API key: Authorization: Bearer <API key>');
    if (!hasRole(principal.role, role)) throw new Problem('forbidden', `this needs the ${role} role; the key "${principal.name}" is ${principal.role}`);
    next();
  };
}
