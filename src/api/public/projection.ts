import type { Pool } from 'pg';
import { z } from 'zod';
import { readDailyBars, uptimePercent } from '../../db/rollups';
import { type PublicIncident, readPublicIncidents, readPublicStatusPage } from '../../db/status-pages';
import { announcedMaintenance } from '../../domain/maintenance';
import { SHOWN_STATES } from '../targets/representation';

/**
 * What the public sees of a status page, built once per request from three indexed reads and rendered as JSON, HTML
 * and Atom (status-pages.ts, html.ts, feed.ts): every public form of a page says the same thing.
 */

/** Days of uptime bars: today (so far) and the 89 before it. */
export const UPTIME_DAYS = 90;
/** Resolved incidents stay on the page this long after they were resolved. */
export const RESOLVED_SHOWN_DAYS = 14;
/** Maintenance is announced this long before it starts. */
export const MAINTENANCE_NOTICE_DAYS = 7;

const DAY = 86_400_000;

const timestamp = z.iso.datetime({ offset: true });
const OVERALL = ['operational', 'degraded', 'outage', 'maintenance'] as const;
const INCIDENT_STATUSES = ['investigating', 'identified', 'resolved'] as const;

const IncidentSchema = z.object({
  id: z.string().meta({ description: 'The incident id, stable across its updates' }),
  target: z.string(),
  status: z.enum(INCIDENT_STATUSES).meta({ description: 'identified once a responder acknowledged it' }),
  startedAt: timestamp,
  resolvedAt: timestamp.nullable(),
  updates: z
    .array(z.object({ at: timestamp, status: z.enum(INCIDENT_STATUSES), message: z.string() }))
    .meta({ description: 'What the public was told, oldest first' }),
});

export const PublicStatusPageSchema = z.object({
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  logoUrl: z.string().nullable(),
  links: z.array(z.object({ label: z.string(), url: z.string() })),
  updatedAt: timestamp.meta({ description: "When the page's settings last changed" }),
  status: z.enum(OVERALL).meta({ description: 'The worst of the targets: outage if any is down' }),
  targets: z.array(
    z.object({
      name: z.string(),
      state: z.enum(SHOWN_STATES),
      since: timestamp.nullable(),
      probeIntervalSeconds: z.int().meta({ description: "How often it is probed: a day's `down` and `degraded` probes times this is their time" }),
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
  incidents: z.array(IncidentSchema).meta({ description: 'Open incidents of these targets, oldest first' }),
  resolvedIncidents: z.array(IncidentSchema).meta({ description: `Incidents resolved in the last ${RESOLVED_SHOWN_DAYS} days, the last to start first` }),
  maintenance: z
    .array(z.object({ target: z.string(), startsAt: timestamp, endsAt: timestamp }))
    .meta({ description: `Maintenance going on or starting within ${MAINTENANCE_NOTICE_DAYS} days, earliest first` }),
});

export type PublicStatusPageView = z.infer<typeof PublicStatusPageSchema>;
export type PublicIncidentView = z.infer<typeof IncidentSchema>;

function overallStatus(states: readonly string[]): PublicStatusPageView['status'] {
  if (states.includes('down')) return 'outage';
  if (states.includes('degraded')) return 'degraded';
  if (states.includes('maintenance')) return 'maintenance';
  return 'operational';
}

/**
 * What the public is told about an incident: its lifecycle in Statuspage's words, and the notes responders marked
 * public, each under the status the incident had when it was written. Other notes and the probe's error stay private
 * (they may name internal hosts).
 */
function incidentView(i: PublicIncident, target: string): PublicIncidentView {
  const status = i.state === 'resolved' ? 'resolved' : i.state === 'acknowledged' ? 'identified' : 'investigating';
  const updates: PublicIncidentView['updates'] = [
    { at: i.openedAt.toISOString(), status: 'investigating', message: `${target} is not responding as expected.` },
  ];
  if (i.acknowledgedAt) updates.push({ at: i.acknowledgedAt.toISOString(), status: 'identified', message: 'The team is working on it.' });
  if (i.resolvedAt) updates.push({ at: i.resolvedAt.toISOString(), status: 'resolved', message: `${target} is working again.` });
  const statusAt = (at: number) =>
    i.resolvedAt && at >= i.resolvedAt.getTime() ? 'resolved' : i.acknowledgedAt && at >= i.acknowledgedAt.getTime() ? 'identified' : 'investigating';
  for (const note of i.publicNotes) {
    const at = new Date(note.at);
    updates.push({ at: at.toISOString(), status: statusAt(at.getTime()), message: note.message });
  }
  // Oldest first; at the same instant the lifecycle's update (pushed first) stays first, the sort being stable.
  updates.sort((a, b) => a.at.localeCompare(b.at));
  return { id: i.id, target, status, startedAt: i.openedAt.toISOString(), resolvedAt: i.resolvedAt?.toISOString() ?? null, updates };
}

/** The page with slug `slug` as the public sees it at `now`; undefined when there is no such page. */
export async function readStatusPageView(pool: Pool, slug: string, now = new Date()): Promise<PublicStatusPageView | undefined> {
  const page = await readPublicStatusPage(pool, slug);
  if (!page) return undefined;
  const ids = page.targets.map((t) => t.targetId);
  const [bars, incidents] = await Promise.all([
    readDailyBars(pool, ids, UPTIME_DAYS, now),
    readPublicIncidents(pool, ids, new Date(now.getTime() - RESOLVED_SHOWN_DAYS * DAY)),
  ]);
  const names = new Map(page.targets.map((t) => [t.targetId, t.name]));
  const viewed = incidents.map((i) => incidentView(i, names.get(i.targetId)!));
  return {
    slug: page.slug,
    title: page.title,
    description: page.description,
    logoUrl: page.logoUrl,
    links: page.links,
    updatedAt: page.updatedAt.toISOString(),
    status: overallStatus(page.targets.map((t) => t.state)),
    targets: page.targets.map((t) => {
      const days = bars.get(t.targetId) ?? [];
      const sum = (k: 'probes' | 'down' | 'missed' | 'maintenance') => days.reduce((n, d) => n + d[k], 0);
      return {
        name: t.name,
        state: t.state as (typeof SHOWN_STATES)[number],
        since: t.since?.toISOString() ?? null,
        probeIntervalSeconds: t.intervalSeconds,
        uptimePercent: uptimePercent({ probes: sum('probes'), down: sum('down'), missed: sum('missed'), maintenance: sum('maintenance') }),
        days: days.map(({ date, uptimePercent: uptime, down, degraded }) => ({ date, uptimePercent: uptime, down, degraded })),
      };
    }),
    incidents: viewed.filter((i) => i.status !== 'resolved'),
    resolvedIncidents: viewed.filter((i) => i.status === 'resolved').reverse(),
    maintenance: page.targets
      .flatMap((t) =>
        announcedMaintenance(t.maintenance, now.getTime(), MAINTENANCE_NOTICE_DAYS * DAY).map((m) => ({
          target: t.name,
          startsAt: new Date(m.startsAt).toISOString(),
          endsAt: new Date(m.endsAt).toISOString(),
        })),
      )
      .sort((a, b) => a.startsAt.localeCompare(b.startsAt)),
  };
}
