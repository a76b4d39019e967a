import type { RequestHandler } from 'express';
import { z } from 'zod';
import { listResults as readResults } from '../../db/check-results';
import type { ApiDeps } from '../deps';
import { sendPage } from '../pagination';
import { historyWindow, timeCursor } from './history';

const timestamp = z.iso.datetime({ offset: true });

export const CheckResultSchema = z.object({
  scheduledAt: timestamp.meta({ description: 'The slot the probe ran for' }),
  startedAt: timestamp,
  outcome: z.enum(['up', 'degraded', 'down', 'missed']).meta({ description: 'missed: no worker could probe the slot in time' }),
  latencyMs: z.number().nullable(),
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
  manual: z.boolean().meta({ description: 'Run on an operator\'s "check now", off the schedule' }),
  maintenance: z.boolean().meta({ description: 'In a maintenance window of the target: counted neither up nor down in uptime' }),
});

/** GET /v1/targets/:id/results: the target's probe results, newest first, one range scan of their primary key. */
export function listResults(deps: ApiDeps): RequestHandler<{ id: string }> {
  return async (req, res) => {
    const { from, before, limit } = await historyWindow(deps, req);
    // One more row than the page: it tells whether there is a next page.
    const rows = await readResults(deps.pool, req.params.id, { from, before, limit: limit + 1 });
    sendPage(
      req,
      res,
      rows,
      limit,
      (r) => ({
        scheduledAt: r.scheduled_at,
        startedAt: r.started_at,
        outcome: r.outcome,
        latencyMs: r.latency_ms,
        statusCode: r.status_code,
        error: r.error,
        manual: r.manual,
        maintenance: r.maintenance,
      }),
      timeCursor((r) => r.scheduled_at),
    );
  };
}
