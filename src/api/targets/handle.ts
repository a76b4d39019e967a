import type { WorkflowHandle } from '@temporalio/client';
import type { TargetWorkflow } from '../../contracts/target';
import { findTarget, findTargets, type TargetRow } from '../../db/target-reads';
import { isId, targetWorkflowId } from '../../ids';
import type { ApiDeps } from '../deps';
import { Problem } from '../problems';

/** The workflow of the target named in the path; a malformed id is a 404 like an unknown one. */
export function targetHandle(deps: ApiDeps, id: string): WorkflowHandle<TargetWorkflow> {
  if (!isId('tgt', id)) throw new Problem('not-found', `no target ${id}`);
  return deps.temporal.workflow.getHandle(targetWorkflowId(id));
}

/** Reads the target's projection (after a change the workflow has applied, for the response); 404 when absent. */
export async function readTarget(deps: ApiDeps, id: string): Promise<TargetRow> {
  const target = isId('tgt', id) ? await findTarget(deps.pool, id) : undefined;
  if (!target) throw new Problem('not-found', `no target ${id}`);
  return target;
}

/** Reads new targets' projections, in the order of `ids`; 404 when one is absent (deleted as soon as created). */
export async function readTargets(deps: ApiDeps, ids: readonly string[]): Promise<TargetRow[]> {
  const byId = new Map((await findTargets(deps.pool, ids)).map((row) => [row.id, row]));
  return ids.map((id) => {
    const target = byId.get(id);
    if (!target) throw new Problem('not-found', `no target ${id}`);
    return target;
  });
}
