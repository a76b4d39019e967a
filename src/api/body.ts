import express, { type RequestHandler } from 'express';
import { Problem } from './problems';

/**
 * Reads a JSON request body, up to 64 kB (or `limit`). Run after the access checks, so a caller without the right key
 * is refused before anything it sent is parsed. A body that is not declared as JSON is refused; no body needs no
 * content type.
 */
export const jsonBodyUpTo = (limit: string): RequestHandler[] => [
  (req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && ['POST', 'PUT', 'PATCH'].includes(req.method) && !req.is('application/json')) {
      return next(new Problem('unsupported-media-type', `got ${req.headers['content-type'] ?? 'no content type'}`));
    }
    next();
  },
  express.json({ limit }),
];

export const jsonBody: RequestHandler[] = jsonBodyUpTo('64kb');
