import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

/**
 * Every answer carries `X-Request-Id`: the caller's own when it sent a sane one (a proxy's), else a new UUID. Logged
 * with every error, so a support request quoting it finds the log line.
 */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  const id = given !== undefined && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.set('X-Request-Id', id);
  next();
};
