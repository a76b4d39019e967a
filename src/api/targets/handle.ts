import type { WorkflowHandle } from '@temporalio/client';
import { isId, targetWorkflowId } from '../../ids';
import type { targetWorkflow } from '../../workflows/target';
import type { ApiDeps } from '../deps';
import { Problem } from '../problems';

/** The workflow of the target named in the path; a malformed id is a 404 like an unknown one. */
export function targetHandle(deps: ApiDeps, id: string): WorkflowHandle<typeof targetWorkflow> {
  if (!isId('tgt', id)) throw new Problem('not-found', `no target ${id}`);
  return deps.temporal.workflow.getHandle(targetWorkflowId(id));
}

/** Reads the target's projection after a change the workflow has applied, for the response. */
export async function readTarget(deps: ApiDeps, id: string) {
  const target = await deps.prisma.target.findUnique({ where: { id }, include: { status: true } });
  if (!target) throw new Problem('not-found', `no target ${id}`);
  return target;
}
