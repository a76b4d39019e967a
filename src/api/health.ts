import type { RequestHandler } from 'express';
import { z } from 'zod';
import { pingDatabase } from '../db/pool';
import type { ApiDeps } from './deps';
import type { Operation } from './operations';
import { Problem } from './problems';

/** How long readiness waits on each dependency: a probe of the API never hangs on one. */
const CHECK_DEADLINE_MS = 2_000;

type CheckResult = 'up' | `down: ${string}`;

async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_DEADLINE_MS} ms`)), CHECK_DEADLINE_MS);
  });
  const probing = probe();
  probing.catch(() => undefined); // still settles after the deadline; nobody waits for it then
  try {
    await Promise.race([probing, deadline]);
    return 'up';
  } catch (err) {
    return `down: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /readyz: Postgres and Temporal, checked at once, each within 2 s. Ready only when both answer; a 503 names
 * what is down. (Reads still work without Temporal, but an instance that cannot write is taken out of rotation.)
 */
function readiness(deps: ApiDeps): RequestHandler {
  return async (_req, res) => {
    const [database, temporal] = await Promise.all([
      check(() => pingDatabase(deps.pool)),
      check(() => deps.temporal.withDeadline(Date.now() + CHECK_DEADLINE_MS, () => deps.temporal.workflowService.getSystemInfo({}))),
    ]);
    const checks = { database, temporal };
    const down = Object.entries(checks).filter(([, result]) => result !== 'up');
    if (down.length) {
      throw new Problem('not-ready', down.map(([name, result]) => `${name} is ${result}`).join('; '), {
        retryAfterSeconds: 5,
        members: { checks },
      });
    }
    res.json({ status: 'ready', checks });
  };
}

export function healthRoutes(deps: ApiDeps): Operation[] {
  const tag = 'Operations';
  return [
    {
      method: 'get',
      path: '/healthz',
      tag,
      access: 'public',
      summary: 'Liveness',
      description: 'The process is up and serving. Checks nothing else, so a database outage never restarts the API.',
      responses: { 200: { description: 'Alive', body: z.object({ status: z.literal('ok') }) } },
      handler: (_req, res) => res.json({ status: 'ok' }),
    },
    {
      method: 'get',
      path: '/readyz',
      tag,
      access: 'public',
      summary: 'Readiness',
      description: 'Postgres and Temporal both answer, each within 2 s; a 503 problem names what is down.',
      responses: {
        200: {
          description: 'Ready',
          body: z.object({ status: z.literal('ready'), checks: z.object({ database: z.literal('up'), temporal: z.literal('up') }) }),
        },
      },
      handler: readiness(deps),
    },
  ];
}
