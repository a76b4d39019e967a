import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { TASK_QUEUE } from '../../ids';
import { Problem } from '../problems';
import { temporalCall } from '../temporal';

const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = proto.api.enums.v1.TaskQueueType;

/**
 * Whether Temporal has room for one more target now. A target accepted while its workflow's first task, or its first
 * probe window, waits in a backlog for a worker is a target that is not probed for minutes: the worst thing a monitor
 * can do, and a backlog that new starts only lengthen. So a create is refused while either of Vigil's task queues has
 * tasks older than `maxBacklogSeconds` waiting, with a 503 that tells the client when to try again; nothing is stored
 * or started. Temporal's own figures are asked each time: the API keeps no state of its own between requests. A bulk
 * create asks once for its whole batch. Without `maxBacklogSeconds` every create is admitted.
 */
export async function assertRoomForNewTarget(temporal: Client, maxBacklogSeconds: number | undefined): Promise<void> {
  if (maxBacklogSeconds === undefined) return;
  const ages = await Promise.all(
    [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY].map(async (taskQueueType) => {
      const { stats } = await temporalCall(temporal, () =>
        temporal.workflowService.describeTaskQueue({
          namespace: temporal.options.namespace,
          taskQueue: { name: TASK_QUEUE },
          taskQueueType,
          reportStats: true,
        }),
      );
      const age = stats?.approximateBacklogAge;
      return { kind: taskQueueType === TASK_QUEUE_TYPE_WORKFLOW ? 'workflow' : 'activity', seconds: Number(age?.seconds ?? 0) + (age?.nanos ?? 0) / 1e9 };
    }),
  );
  const behind = ages.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  if (behind.seconds <= maxBacklogSeconds) return;
  throw new Problem(
    'temporal-busy',
    `Vigil's ${behind.kind} tasks wait ${behind.seconds.toFixed(1)} s for a worker (at most ${maxBacklogSeconds} s): a target created now would not be probed on time; nothing was created`,
    { retryAfterSeconds: Math.max(1, Math.ceil(behind.seconds)) },
  );
}
