import type { RequestHandler } from 'express';
import { z } from 'zod';
import { latencyStats, readRangeTotals, uptimePercent } from '../../db/rollups';
import type { ApiDeps } from '../deps';
import { validated } from '../problems';
import { requireTarget } from './history';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PRESETS = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY } as const;
/** Two years and a day: as far back as daily rollups are kept by default, and a bounded read (one row a day). */
const MAX_SPAN_DAYS = 731;

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const StatsQuery = z
  .strictObject({
    range: z
      .enum(Object.keys(PRESETS) as [keyof typeof PRESETS])
      .optional()
      .meta({
        description: 'The last 24 hours, 7, 30 or 90 days up to now (the default is 24h); or give from and to instead.',
        'x-vigil-rule': 'not with from or to',
      }),
    from: instant.optional().meta({
      description: 'Start of a custom range (RFC 3339), widened to its whole UTC hour.',
      'x-vigil-rule': `with to, at most ${MAX_SPAN_DAYS} days before it`,
    }),
    to: instant.optional().meta({ description: 'End of a custom range (RFC 3339), widened to its whole UTC hour.', 'x-vigil-rule': 'with from, and after it' }),
  })
  .superRefine((q, ctx) => {
    if (q.range && (q.from || q.to)) {
      ctx.addIssue({ code: 'custom', path: ['range'], message: 'give either range or from and to, not both' });
    } else if ((q.from === undefined) !== (q.to === undefined)) {
      ctx.addIssue({ code: 'custom', path: [q.from ? 'to' : 'from'], message: 'a custom range needs both from and to' });
    } else if (q.from && q.to && q.from >= q.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    } else if (q.from && q.to && q.to.getTime() - q.from.getTime() > MAX_SPAN_DAYS * DAY) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: `a range may span at most ${MAX_SPAN_DAYS} days` });
    }
  });

const ms = z.number().nullable();
export const StatsSchema = z.object({
  from: z.iso.datetime({ offset: true }).meta({ description: 'Start of the range counted: the requested one widened to whole UTC hours' }),
  to: z.iso.datetime({ offset: true }).meta({ description: 'End of the range counted (now, for a range up to now)' }),
  probes: z.int().meta({ description: 'Recorded slots, missed ones included' }),
  down: z.int(),
  degraded: z.int(),
  missed: z.int().meta({ description: 'Slots no worker could probe in time: counted neither up nor down' }),
  maintenance: z.int().meta({
    description:
      'Slots in a maintenance window, whatever their outcome: counted neither up nor down (down, degraded and missed count only slots outside maintenance)',
  }),
  uptimePercent: z.number().nullable().meta({
    description: '(probes − missed − maintenance − down) / (probes − missed − maintenance) × 100, truncated to 3 decimals; null when nothing was judged',
  }),
  latency: z
    .object({ count: z.int(), meanMs: ms, minMs: ms, maxMs: ms, p50Ms: ms, p95Ms: ms, p99Ms: ms })
    .meta({ description: 'Of up and degraded results. Percentiles are within 9.1 % (+0.5 ms) of the exact values; min, max and mean are exact' }),
});

/**
 * GET /v1/targets/:id/stats: uptime and latency over a range, read from the hourly and daily rollups only: a few dozen
 * hourly rows at the partial days of its edges and one row per whole day, however many results the range holds.
 */
export function targetStats(deps: ApiDeps): RequestHandler<{ id: string }> {
  return async (req, res) => {
    const query = validated(StatsQuery, req.query, 'query');
    const { id } = req.params;
    await requireTarget(deps, id);
    const now = Date.now();
    const { from, to } =
      query.from && query.to
        ? { from: query.from, to: query.to }
        : // Presets count whole hours: the current one (so far) and the ones before it.
          { from: new Date(Math.floor(now / HOUR) * HOUR + HOUR - PRESETS[query.range ?? '24h']), to: new Date(now) };
    const { plan, totals } = await readRangeTotals(deps.pool, id, from, to);
    res.json({
      from: plan.from,
      to: new Date(Math.min(plan.to.getTime(), now)),
      probes: totals.probes,
      down: totals.down,
      degraded: totals.degraded,
      missed: totals.missed,
      maintenance: totals.maintenance,
      uptimePercent: uptimePercent(totals),
      latency: latencyStats(totals.latency),
    });
  };
}
