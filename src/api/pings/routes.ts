import type { RequestHandler } from 'express';
import { z } from 'zod';
import { PingRecorder, type PingKind } from '../../db/pings';
import { HeartbeatProbeSchema } from '../../domain/probe';
import { targetWorkflowId } from '../../ids';
import { pingSignal } from '../../contracts/target';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { Problem } from '../problems';

/** A ping answers quickly even when Temporal does not: the workflow reads the ping at its deadline anyway. */
const SIGNAL_DEADLINE_MS = 2_000;

/** Whether this ping may change what the target shows, so that its workflow should judge it now, not at its deadline. */
function changesState(kind: PingKind, state: string): boolean {
  if (kind === 'success') return state === 'down' || state === 'unknown';
  if (kind === 'fail') return state === 'up' || state === 'degraded' || state === 'unknown';
  return false;
}

/**
 * A ping is one indexed insert (group-committed with its concurrent neighbours); it wakes the target's workflow only
 * when it may end or start an outage. Should that signal fail, the ping is still recorded and the workflow reads it at
 * its next deadline.
 */
function ping(deps: ApiDeps, pings: PingRecorder, kind: PingKind): RequestHandler<{ token: string }> {
  return async (req, res) => {
    const recorded = await pings.record({ token: req.params.token, kind, source: req.ip ?? null });
    if (!recorded) throw new Problem('not-found', 'no heartbeat target has this ping token');
    if (!recorded.paused && changesState(kind, recorded.state)) {
      const workflow = deps.temporal.workflow.getHandle(targetWorkflowId(recorded.targetId));
      await deps.temporal
        .withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => workflow.signal(pingSignal))
        .catch((err: unknown) => deps.log.warn({ err, targetId: recorded.targetId }, 'ping recorded, but its workflow could not be woken'));
    }
    res.type('text/plain').send('OK');
  };
}

const PingPath = z.object({ token: HeartbeatProbeSchema.shape.token.unwrap().meta({ description: "The heartbeat target's ping token" }) });

const EVENTS: { suffix: string; kind: PingKind; summary: string }[] = [
  { suffix: '', kind: 'success', summary: 'Report a successful run' },
  { suffix: '/start', kind: 'start', summary: 'Report the start of a run (to measure its duration)' },
  { suffix: '/fail', kind: 'fail', summary: 'Report a failed run' },
];

/**
 * `/v1/ping/<token>[/start|/fail]`, by GET (and so HEAD) or POST, whatever a cron line's curl or wget does: public,
 * the token is the credential.
 */
export function pingRoutes(deps: ApiDeps): Operation[] {
  const pings = new PingRecorder(deps.pool);
  return EVENTS.flatMap(({ suffix, kind, summary }) =>
    (['get', 'post'] as const).map(
      (method): Operation => ({
        method,
        path: `/v1/ping/:token${suffix}`,
        tag: 'Heartbeats',
        access: 'public',
        summary,
        params: PingPath,
        responses: { 200: { description: 'Recorded' }, 404: { description: 'No heartbeat target has this token' } },
        handler: ping(deps, pings, kind),
      }),
    ),
  );
}
