import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { historyWindow, sendHistoryPage } from './history';
import { SHOWN_STATES } from './representation';

interface FlipRow {
  at: Date;
  from_state: string;
  to_state: string;
  reason: string;
}

export const FlipSchema = z.object({
  at: z.iso.datetime({ offset: true }).meta({ description: 'The slot of the result that caused it, or the moment of the operator action' }),
  from: z.enum(SHOWN_STATES),
  to: z.enum(SHOWN_STATES),
  reason: z.string(),
});

/** GET /v1/targets/:id/flips: every change of the state the target shows, newest first. */
export function listFlips(deps: ApiDeps): RequestHandler<{ id: string }> {
  return async (req, res) => {
    const { from, before, limit } = await historyWindow(deps, req);
    const { rows } = await deps.pool.query<FlipRow>(
      `SELECT at, from_state, to_state, reason FROM flips
       WHERE target_id = $1 AND at >= $2 AND at < $3
       ORDER BY at DESC LIMIT $4`,
      [req.params.id, from, before, limit + 1],
    );
    sendHistoryPage(req, res, rows, limit, (r) => r.at, (r) => ({ at: r.at, from: r.from_state, to: r.to_state, reason: r.reason }));
  };
}
