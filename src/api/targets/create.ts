import type { RequestHandler } from 'express';
import { newId, targetWorkflowId, TASK_QUEUE } from '../../ids';
import { upsertTarget } from '../../db/targets';
import { targetWorkflow } from '../../workflows/target';
import type { ApiDeps } from '../deps';
import { Problem } from '../problems';
import { temporalCall } from '../temporal';
import { createTargetBody } from './schema';
import { targetRepresentation } from './representation';

/**
 * POST /v1/targets. The target's workflow is started first, with an id derived from the target id, so a retried
 * start finds the same workflow; the workflow projects the target into Postgres itself, so a crash between the two
 * steps below still leaves a whole target. The API writes the same projection too, so the next read finds it.
 */
export function createTarget(deps: ApiDeps): RequestHandler {
  const body = createTargetBody(deps.config.minIntervalSeconds);
  return async (req, res) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) throw Problem.invalid(parsed.error);
    const spec = parsed.data;
    const id = newId('tgt');
    await temporalCall(deps.temporal, () =>
      deps.temporal.workflow.start(targetWorkflow, {
        workflowId: targetWorkflowId(id),
        taskQueue: TASK_QUEUE,
        args: [{ targetId: id, spec, version: 1 }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        memo: { name: spec.name },
      }),
    );
    await upsertTarget(deps.pool, id, spec, 1);
    const target = await deps.prisma.target.findUniqueOrThrow({ where: { id }, include: { status: true } });
    res.status(201).location(`/v1/targets/${id}`).json(targetRepresentation(target, target.status));
  };
}
