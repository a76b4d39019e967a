import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { readDailyBars, uptimePercent } from '../../db/rollups';
import { readOpenIncidents, readPublicStatusPage } from '../../db/status-pages';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { Problem } from '../problems';
import { SHOWN_STATES } from '../targets/representation';

export const publicStatusPagePath = (slug: string): string => `/v1/public/status-pages/${slug}`;

/** Days of uptime bars: today (so far) and the 89 before it. */
export const UPTIME_DAYS = 90;

/**
 * A CDN (or a browser) may serve the page for 30 s, then serve it stale for another minute while it revalidates, and
 * for a day if Vigil cannot answer; revalidating costs a 304 when nothing changed. So nearly all public traffic is
 * served by the edge, and a page changes there within about 30 s of a flip.
 */
const CACHE_CONTROL = 'public, max-age=30, stale-while-revalidate=60, stale-if-error=86400';

const timestamp = z.iso.datetime({ offset: true });
const PublicStatusPageSchema = z.object({
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  status: z.enum(['operational', 'degraded', 'outage', 'maintenance']).meta({ description: 'The worst of the targets: outage if any is down' }),
  targets: z.array(
    z.object({
      name: z.string(),
      state: z.enum(SHOWN_STATES),
      since: timestamp.nullable(),
      uptimePercent: z
        .number()
        .nullable()
        .meta({ description: `Over the ${UPTIME_DAYS} days of bars; null without results` }),
      days: z
        .array(
          z.object({ date: z.string().meta({ description: 'UTC day, YYYY-MM-DD' }), uptimePercent: z.number().nullable(), down: z.int(), degraded: z.int() }),
        )
        .meta({ description: `${UPTIME_DAYS} daily bars, oldest first, today (so far) last` }),
    }),
  ),
  incidents: z
    .array(
      z.object({
        target: z.string(),
        status: z.enum(['investigating', 'identified']).meta({ description: 'identified once a responder acknowledged it' }),
        startedAt: timestamp,
      }),
    )
    .meta({ description: 'Open incidents of these targets, oldest first' }),
});

const PublicPath = z.object({ slug: z.string().meta({ description: "The status page's slug" }) });

function overallStatus(states: readonly string[]): z.infer<typeof PublicStatusPageSchema>['status'] {
  if (states.includes('down')) return 'outage';
  if (states.includes('degraded')) return 'degraded';
  if (states.includes('maintenance')) return 'maintenance';
  return 'operational';
}

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
 * GET /v1/public/status-pages/:slug: no key. Three indexed reads whatever the history holds: the page with its
 * targets' current state, their daily rollups for the bars, and their open incidents (the partial index).
 */
function readStatusPage(deps: ApiDeps): RequestHandler<{ slug: string }> {
  return async (req, res) => {
    const { slug } = req.params;
    const page = await readPublicStatusPage(deps.pool, slug);
    if (!page) throw new Problem('not-found', `no status page ${slug}`);
    const ids = page.targets.map((t) => t.targetId);
    const [bars, incidents] = await Promise.all([readDailyBars(deps.pool, ids, UPTIME_DAYS), readOpenIncidents(deps.pool, ids)]);
    const names = new Map(page.targets.map((t) => [t.targetId, t.name]));
    const body: z.infer<typeof PublicStatusPageSchema> = {
      slug: page.slug,
      title: page.title,
      description: page.description,
      status: overallStatus(page.targets.map((t) => t.state)),
      targets: page.targets.map((t) => {
        const days = bars.get(t.targetId) ?? [];
        const sum = (k: 'probes' | 'down' | 'missed' | 'maintenance') => days.reduce((n, d) => n + d[k], 0);
        return {
          name: t.name,
          state: t.state as (typeof SHOWN_STATES)[number],
          since: t.since?.toISOString() ?? null,
          uptimePercent: uptimePercent({ probes: sum('probes'), down: sum('down'), missed: sum('missed'), maintenance: sum('maintenance') }),
          days: days.map(({ date, uptimePercent: uptime, down, degraded }) => ({ date, uptimePercent: uptime, down, degraded })),
        };
      }),
      incidents: incidents.map((i) => ({
        target: names.get(i.targetId)!,
        status: i.state === 'acknowledged' ? 'identified' : 'investigating',
        startedAt: i.openedAt.toISOString(),
      })),
    };
    const json = JSON.stringify(body);
    const etag = `"${createHash('sha256').update(json).digest('base64url')}"`;
    // Other sites show these pages: any origin may read them.
    res.set({ ETag: etag, 'Cache-Control': CACHE_CONTROL, 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' });
    if (notModified(req, etag)) return void res.status(304).end();
    res.type('application/json').send(json);
  };
}

export function publicRoutes(deps: ApiDeps): Operation[] {
  return [
    {
      method: 'get',
      path: '/v1/public/status-pages/:slug',
      tag: 'Public',
      access: 'public',
      summary: 'Read a status page',
      description:
        `No key needed. Each target's current state and ${UPTIME_DAYS} daily uptime bars, and the open incidents. Cacheable: ` +
        `a strong ETag (If-None-Match answers 304) and Cache-Control: ${CACHE_CONTROL}.`,
      params: PublicPath,
      responses: {
        200: { description: 'The status page', body: PublicStatusPageSchema, headers: { ETag: 'A hash of the body', 'Cache-Control': CACHE_CONTROL } },
        304: { description: 'Not modified since the ETag sent in If-None-Match' },
      },
      handler: readStatusPage(deps),
    },
  ];
}
