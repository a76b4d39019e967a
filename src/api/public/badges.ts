import type { RequestHandler } from 'express';
import { z } from 'zod';
import { readDailyBars, uptimePercent } from '../../db/rollups';
import { readPublicTarget } from '../../db/status-pages';
import { idSchema } from '../../domain/id';
import { isId } from '../../ids';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { Problem } from '../problems';
import { CACHE_CONTROL, CACHEABLE_HEADERS, sendCacheable } from './caching';
import { escapeMarkup as e } from './markup';

/**
 * Shields-style SVG badges of a target that a status page shows, for READMEs and dashboards: its state, and its
 * uptime over 30 days. A target no page shows has no badge (404): a badge is as public as the page.
 */

const UPTIME_BADGE_DAYS = 30;

/** Shields' colours. */
const COLOURS = { green: '#4c1', yellowgreen: '#97ca00', yellow: '#dfb317', orange: '#fe7d37', red: '#e05d44', blue: '#007ec6', grey: '#9f9f9f' };

const STATE_BADGES: Record<string, { text: string; colour: string }> = {
  up: { text: 'up', colour: COLOURS.green },
  degraded: { text: 'degraded', colour: COLOURS.yellow },
  down: { text: 'down', colour: COLOURS.red },
  maintenance: { text: 'maintenance', colour: COLOURS.blue },
  paused: { text: 'paused', colour: COLOURS.grey },
  unknown: { text: 'unknown', colour: COLOURS.grey },
};

function uptimeColour(percent: number): string {
  if (percent >= 99.9) return COLOURS.green;
  if (percent >= 99) return COLOURS.yellowgreen;
  if (percent >= 95) return COLOURS.yellow;
  if (percent >= 90) return COLOURS.orange;
  return COLOURS.red;
}

/** Width of text in Verdana 11 px, as shields measures it, within a pixel or so for Latin text. */
function textWidth(text: string): number {
  let width = 0;
  for (const c of text) {
    if ("ijl.,:;!|' ".includes(c)) width += 3.9;
    else if ('ftrI()[]'.includes(c)) width += 4.9;
    else if ('mwMW%'.includes(c)) width += 11;
    else if (c >= 'A' && c <= 'Z') width += 7.6;
    else width += 6.9;
  }
  return Math.ceil(width);
}

/** A flat two-part badge: `label` on grey, `message` on `colour`, white text with a shadow as shields draws it. */
export function renderBadge(label: string, message: string, colour: string): string {
  const [lw, mw] = [textWidth(label) + 10, textWidth(message) + 10];
  const width = lw + mw;
  const text = (x: number, s: string) =>
    `<text x="${x * 10}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">${e(s)}</text>` +
    `<text x="${x * 10}" y="140" transform="scale(.1)">${e(s)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${e(label)}: ${e(message)}">` +
    `<title>${e(label)}: ${e(message)}</title>` +
    '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>' +
    `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${colour}"/>` +
    `<rect width="${width}" height="20" fill="url(#s)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="110">` +
    `${text(lw / 2, label)}${text(lw + mw / 2, message)}</g></svg>`
  );
}

const BadgePath = z.object({ targetId: idSchema('tgt', 'a target').meta({ description: 'The target id, tgt_…, of a target a status page shows' }) });

/** The target as its status page shows it, or a 404 that says the same for a target that does not exist and one no page shows. */
async function publicTarget(deps: ApiDeps, targetId: string) {
  const target = isId('tgt', targetId) ? await readPublicTarget(deps.pool, targetId) : undefined;
  if (!target) throw new Problem('not-found', `no public target ${targetId}`);
  return target;
}

const statusBadge =
  (deps: ApiDeps): RequestHandler<{ targetId: string }> =>
  async (req, res) => {
    const target = await publicTarget(deps, req.params.targetId);
    const state = STATE_BADGES[target.state] ?? STATE_BADGES.unknown!;
    sendCacheable(req, res, renderBadge(target.name, state.text, state.colour), 'image/svg+xml');
  };

const uptimeBadge =
  (deps: ApiDeps): RequestHandler<{ targetId: string }> =>
  async (req, res) => {
    const target = await publicTarget(deps, req.params.targetId);
    const days = (await readDailyBars(deps.pool, [req.params.targetId], UPTIME_BADGE_DAYS)).get(req.params.targetId) ?? [];
    const sum = (k: 'probes' | 'down' | 'missed' | 'maintenance') => days.reduce((n, d) => n + d[k], 0);
    const percent = uptimePercent({ probes: sum('probes'), down: sum('down'), missed: sum('missed'), maintenance: sum('maintenance') });
    const badge =
      percent === null ? renderBadge(`${target.name} 30d`, 'no data', COLOURS.grey) : renderBadge(`${target.name} 30d`, `${percent} %`, uptimeColour(percent));
    sendCacheable(req, res, badge, 'image/svg+xml');
  };

export function badgeRoutes(deps: ApiDeps): Operation[] {
  const badge = (what: string) => ({
    200: { description: what, body: z.string(), mediaType: 'image/svg+xml', headers: CACHEABLE_HEADERS },
    304: { description: 'Not modified since the ETag sent in If-None-Match' },
    404: { description: 'No status page shows this target' },
  });
  const cacheable = `Cacheable by a CDN: a strong ETag and Cache-Control: ${CACHE_CONTROL}.`;
  return [
    {
      method: 'get',
      path: '/badge/:targetId/status.svg',
      tag: 'Public',
      access: 'public',
      summary: "A target's status badge",
      description: `No key needed, for a target that a status page shows, named as the page names it. ${cacheable}`,
      params: BadgePath,
      responses: badge('An SVG badge: up, degraded, down, maintenance, paused or unknown'),
      handler: statusBadge(deps),
    },
    {
      method: 'get',
      path: '/badge/:targetId/uptime-30d.svg',
      tag: 'Public',
      access: 'public',
      summary: "A target's 30-day uptime badge",
      description: `No key needed, for a target that a status page shows: uptime over the last ${UPTIME_BADGE_DAYS} UTC days (today so far). ${cacheable}`,
      params: BadgePath,
      responses: badge('An SVG badge with the uptime percentage'),
      handler: uptimeBadge(deps),
    },
  ];
}
