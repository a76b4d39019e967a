import type { RequestHandler } from 'express';
import { z } from 'zod';
import { listFlips as readFlips } from '../../db/flips';
import type { ApiDeps } from '../deps';
import { sendPage } from '../pagination';
import { historyWindow, timeCursor } from './history';
import { SHOWN_STATES } from './representation';

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
    // One more row than the page: it tells whether there is a next page.
    const rows = await readFlips(deps.pool, req.params.id, { from, before, limit: limit + 1 });
    sendPage(
      req,
      res,
      rows,
      limit,
      (r) => ({ at: r.at, from: r.from_state, to: r.to_state, reason: r.reason }),
      timeCursor((r) => r.at),
    );
  };
}
