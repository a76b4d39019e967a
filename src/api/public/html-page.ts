import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { Problem } from '../problems';
import { CACHE_CONTROL, CACHEABLE_HEADERS, sendCacheable } from './caching';
import { HTML_CSP, renderStatusPageHtml } from './html';
import { PublicPath } from './paths';
import { readStatusPageView } from './projection';

/** GET /status/:slug: the page for people, from the same reads as the JSON. */
function readHtmlPage(deps: ApiDeps): RequestHandler<{ slug: string }> {
  return async (req, res) => {
    const now = new Date();
    const view = await readStatusPageView(deps.pool, req.params.slug, now);
    if (!view) throw new Problem('not-found', `no status page ${req.params.slug}`);
    sendCacheable(req, res, renderStatusPageHtml(view, now.getTime()), 'text/html; charset=utf-8', { 'Content-Security-Policy': HTML_CSP });
  };
}

export function htmlPageRoute(deps: ApiDeps): Operation {
  return {
    method: 'get',
    path: '/status/:slug',
    tag: 'Public',
    access: 'public',
    summary: 'Show a status page',
    description:
      'No key needed. The status page as HTML for people: the same content as its JSON, without scripts, for phones and ' +
      `desktops, light and dark. Cacheable like the JSON: a strong ETag and Cache-Control: ${CACHE_CONTROL}.`,
    params: PublicPath,
    responses: {
      200: { description: 'The page', body: z.string(), mediaType: 'text/html', headers: CACHEABLE_HEADERS },
      304: { description: 'Not modified since the ETag sent in If-None-Match' },
      404: { description: 'No status page has this slug' },
    },
    handler: readHtmlPage(deps),
  };
}
