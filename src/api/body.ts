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
  (req, _res, next) => {
    const field = illFormedString(req.body);
    if (field === undefined) return next();
    next(new Problem('invalid-request', `${field} is not valid Unicode`, { errors: [{ field, message: 'holds a lone UTF-16 surrogate' }] }));
  },
];

/**
 * Where the body holds a string (or key) that is not valid Unicode: JSON allows a lone surrogate (`"\ud800"`), but
 * Postgres would store U+FFFD in its place, and a projection would differ from what its workflow holds. Walked without
 * recursion, and each value keeps only a link to its parent, since a 64 kB body can nest thousands deep.
 */
function illFormedString(body: unknown): string | undefined {
  interface Node {
    value: unknown;
    key?: string;
    parent?: Node;
  }
  const pathOf = (node: Node): string => {
    const keys: string[] = [];
    for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) keys.push(n.key);
    return keys.reverse().join('.') || '(root)';
  };
  const stack: Node[] = [{ value: body }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (typeof value === 'string' && /\p{Cs}/u.test(value)) return pathOf(node);
    if (value === null || typeof value !== 'object') continue;
    for (const [key, child] of Object.entries(value)) {
      const childNode = { value: child, key, parent: node };
      if (/\p{Cs}/u.test(key)) return pathOf(childNode);
      stack.push(childNode);
    }
  }
  return undefined;
}

export const jsonBody: RequestHandler[] = jsonBodyUpTo('64kb');
