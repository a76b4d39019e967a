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
  (req, _res, next) => next(unstorable(req.body, 'body')),
];

/**
 * Path parameters and query strings, refused like a body's strings: each reaches Postgres as a query parameter (an id
 * looked up, a ping token, a tag filter), and one holding NUL would fail there as a 500, or fail a whole group commit.
 */
export const storableUrl: RequestHandler = (req, _res, next) => next(unstorable(req.params, 'path') ?? unstorable(req.query, 'query'));

/** A 400 naming the first string (or key) in `value` that Postgres could not store as sent; undefined if none. */
function unstorable(value: unknown, location: 'body' | 'path' | 'query'): Problem | undefined {
  const found = unstorableString(value);
  if (!found) return undefined;
  const { field, message } = found;
  return new Problem('invalid-request', `invalid ${location}: ${field} cannot be stored`, { errors: [{ field, message }] });
}

/**
 * Where a value holds a string (or key) that Postgres would not store as sent, and why. NUL (U+0000): Postgres refuses
 * it in text and jsonb, so the write fails, and a write made by a workflow's activity would fail on every retry. A lone
 * surrogate, which JSON allows (`"\ud800"`): Postgres would store U+FFFD in its place, and a projection would differ
 * from what its workflow holds. Walked without recursion, and each value keeps only a link to its parent, since a
 * 64 kB body can nest thousands deep.
 */
function unstorableString(body: unknown): { field: string; message: string } | undefined {
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
    const refusal = typeof value === 'string' ? refusalOf(value) : undefined;
    if (refusal) return { field: pathOf(node), message: refusal };
    if (value === null || typeof value !== 'object') continue;
    for (const [key, child] of Object.entries(value)) {
      const childNode = { value: child, key, parent: node };
      const keyRefusal = refusalOf(key);
      if (keyRefusal) return { field: pathOf(childNode), message: `its key ${keyRefusal}` };
      stack.push(childNode);
    }
  }
  return undefined;
}

const refusalOf = (s: string): string | undefined =>
  s.includes('\0') ? 'holds a NUL character (U+0000)' : /\p{Cs}/u.test(s) ? 'holds a lone UTF-16 surrogate' : undefined;

export const jsonBody: RequestHandler[] = jsonBodyUpTo('64kb');
