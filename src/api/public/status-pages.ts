import type { RequestHandler } from 'express';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { Problem } from '../problems';
import { CACHE_CONTROL, CACHEABLE_HEADERS, sendCacheable } from './caching';
import { feedRoute } from './feed';
import { badgeRoutes } from './badges';
import { htmlPageRoute } from './html-page';
import { PublicPath } from './paths';
import { PublicStatusPageSchema, readStatusPageView, UPTIME_DAYS } from './projection';

/**
 * GET /v1/public/status-pages/:slug: no key. Three indexed reads whatever the history holds: the page with its
 * targets' current state, their daily rollups for the bars, and their recent incidents.
 */
function readStatusPage(deps: ApiDeps): RequestHandler<{ slug: string }> {
  return async (req, res) => {
    const view = await readStatusPageView(deps.pool, req.params.slug);
    if (!view) throw new Problem('not-found', `no status page ${req.params.slug}`);
    sendCacheable(req, res, JSON.stringify(view), 'application/json; charset=utf-8');
  };
}

/** What the public reads without a key: each status page as JSON, HTML and Atom, and badges of the targets they show. */
export function publicRoutes(deps: ApiDeps): Operation[] {
  return [
    {
      method: 'get',
      path: '/v1/public/status-pages/:slug',
      tag: 'Public',
      access: 'public',
      summary: 'Read a status page',
      description:
        `No key needed. Each target's current state and ${UPTIME_DAYS} daily uptime bars, the open and recently resolved ` +
        `incidents, and announced maintenance. Cacheable: a strong ETag (If-None-Match answers 304) and Cache-Control: ${CACHE_CONTROL}.`,
      params: PublicPath,
      responses: {
        200: { description: 'The status page', body: PublicStatusPageSchema, headers: CACHEABLE_HEADERS },
        304: { description: 'Not modified since the ETag sent in If-None-Match' },
        404: { description: 'No status page has this slug' },
      },
      handler: readStatusPage(deps),
    },
    htmlPageRoute(deps),
    feedRoute(deps),
    ...badgeRoutes(deps),
  ];
}
