import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TARGET_WORKFLOW, type TargetWorkflow } from '../../contracts/target';
import type { TargetSpec } from '../../domain/target';
import { TASK_QUEUE, targetWorkflowId } from '../../ids';
import { temporalCall } from '../temporal';

/**
 * Starts the target's workflow. The workflow id is derived from the target id and an existing run is reused, so a
 * start that is retried (by the SDK, or by a client replaying a create) never runs the target twice.
 */
export function startTargetWorkflow(temporal: Client, targetId: string, spec: TargetSpec): Promise<WorkflowHandleWithFirstExecutionRunId<TargetWorkflow>> {
  return temporalCall(temporal, () =>
    temporal.workflow.start<TargetWorkflow>(TARGET_WORKFLOW, {
      workflowId: targetWorkflowId(targetId),
      taskQueue: TASK_QUEUE,
      args: [{ targetId, spec, version: 1 }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      memo: { name: spec.name },
    }),
  );
}
