import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { Problem } from '../problems';
import { CACHE_CONTROL, CACHEABLE_HEADERS, sendCacheable } from './caching';
import { escapeMarkup as e } from './markup';
import { feedPath, htmlStatusPagePath, PublicPath } from './paths';
import { MAINTENANCE_NOTICE_DAYS, type PublicIncidentView, type PublicStatusPageView, readStatusPageView, RESOLVED_SHOWN_DAYS } from './projection';

const DAY = 86_400_000;

/**
 * A status page's incidents and announced maintenance as an Atom feed (RFC 4287). Ids are URNs of the page and the
 * incident, so they stay the same whatever address the feed is read at; links are relative to the feed's own URL.
 */
interface Entry {
  id: string;
  title: string;
  published: string;
  updated: string;
  html: string;
}

function incidentEntry(slug: string, i: PublicIncidentView): Entry {
  const updates = i.updates.map((u) => `<p><strong>${u.status}</strong> (${u.at}): ${e(u.message)}</p>`).join('');
  return {
    id: `urn:vigil:status-page:${slug}:incident:${i.id}`,
    title: `${i.target}: ${i.status}`,
    published: i.startedAt,
    updated: i.updates.at(-1)!.at,
    html: updates,
  };
}

function maintenanceEntry(slug: string, m: PublicStatusPageView['maintenance'][number]): Entry {
  // It appears on the page once it is this close: the moment it was announced.
  const announced = new Date(Date.parse(m.startsAt) - MAINTENANCE_NOTICE_DAYS * DAY).toISOString();
  return {
    id: `urn:vigil:status-page:${slug}:maintenance:${encodeURIComponent(m.target)}:${m.startsAt}`,
    title: `${m.target}: scheduled maintenance`,
    published: announced,
    updated: announced,
    html: `<p>Scheduled maintenance from ${m.startsAt} to ${m.endsAt}.</p>`,
  };
}

export function renderAtomFeed(view: PublicStatusPageView): string {
  const entries = [
    ...view.incidents.map((i) => incidentEntry(view.slug, i)),
    ...view.maintenance.map((m) => maintenanceEntry(view.slug, m)),
    ...view.resolvedIncidents.map((i) => incidentEntry(view.slug, i)),
  ].sort((a, b) => b.updated.localeCompare(a.updated));
  const updated = [view.updatedAt, ...entries.map((x) => x.updated)].sort().at(-1)!;
  const page = htmlStatusPagePath(view.slug);
  const body = entries
    .map(
      (x) =>
        `<entry><id>${e(x.id)}</id><title>${e(x.title)}</title><published>${x.published}</published><updated>${x.updated}</updated>` +
        `<link rel="alternate" type="text/html" href="${page}"/><content type="html">${e(x.html)}</content></entry>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">' +
    `<id>urn:vigil:status-page:${view.slug}</id><title>${e(view.title)}</title>` +
    (view.description ? `<subtitle>${e(view.description)}</subtitle>` : '') +
    `<updated>${updated}</updated><author><name>${e(view.title)}</name></author><generator>Vigil</generator>` +
    `<link rel="alternate" type="text/html" href="${page}"/><link rel="self" type="application/atom+xml" href="${feedPath(view.slug)}"/>` +
    `${body}</feed>`
  );
}

function readFeed(deps: ApiDeps): RequestHandler<{ slug: string }> {
  return async (req, res) => {
    const view = await readStatusPageView(deps.pool, req.params.slug);
    if (!view) throw new Problem('not-found', `no status page ${req.params.slug}`);
    sendCacheable(req, res, renderAtomFeed(view), 'application/atom+xml; charset=utf-8');
  };
}

export function feedRoute(deps: ApiDeps): Operation {
  return {
    method: 'get',
    path: '/status/:slug/feed.atom',
    tag: 'Public',
    access: 'public',
    summary: "A status page's feed",
    description:
      `No key needed. An Atom feed of the page's open incidents, those resolved in the last ${RESOLVED_SHOWN_DAYS} days, and ` +
      `maintenance announced ${MAINTENANCE_NOTICE_DAYS} days ahead, newest first. Cacheable: a strong ETag and Cache-Control: ${CACHE_CONTROL}.`,
    params: PublicPath,
    responses: {
      200: { description: 'The feed', body: z.string(), mediaType: 'application/atom+xml', headers: CACHEABLE_HEADERS },
      304: { description: 'Not modified since the ETag sent in If-None-Match' },
      404: { description: 'No status page has this slug' },
    },
    handler: readFeed(deps),
  };
}
