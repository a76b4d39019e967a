import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * A CDN (or a browser) may serve a public answer for 30 s, then serve it stale for another minute while it
 * revalidates, and for a day if Vigil cannot answer; revalidating costs a 304 when nothing changed. So nearly all
 * public traffic is served by the edge, and a page changes there within about 30 s of a flip.
 */
export const CACHE_CONTROL = 'public, max-age=30, stale-while-revalidate=60, stale-if-error=86400';

/** The headers every cacheable public answer documents. */
export const CACHEABLE_HEADERS = { ETag: 'A hash of the body', 'Cache-Control': CACHE_CONTROL };

/** If-None-Match against our strong ETag: a list, `*`, and weak forms (W/) compare equal, as for GET they may. */
function notModified(req: Request, etag: string): boolean {
  const header = req.get('if-none-match');
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/**
 * Sends a public answer the same for everyone: a strong ETag of its bytes, CACHE_CONTROL, and a 304 when the client
 * has it already. `headers` adds what its media type needs (a Content-Security-Policy for HTML).
 */
export function sendCacheable(req: Request, res: Response, text: string, contentType: string, headers: Record<string, string> = {}): void {
  // Encoded once, for the hash and the answer both (a page is hundreds of kilobytes).
  const body = Buffer.from(text);
  const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
  // Other sites show these pages, badges and feeds: any origin may read them.
  res.set({ ETag: etag, 'Cache-Control': CACHE_CONTROL, 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin', ...headers });
  if (notModified(req, etag)) return void res.status(304).end();
  res.type(contentType).send(body);
}
