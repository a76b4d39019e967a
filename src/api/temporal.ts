import type { Client } from '@temporalio/client';
import {
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { Problem } from './problems';

/** How long a request waits on Temporal before answering 503: a request never hangs on an unreachable server. */
const TEMPORAL_DEADLINE_MS = 5_000;

/**
 * Runs a Temporal call with a deadline and turns its failures into problems: an unreachable or overloaded Temporal
 * is a 503 with Retry-After, a workflow that is not there a 404, and an update its workflow refused says why.
 */
export async function temporalCall<T>(client: Client, call: () => Promise<T>, deadlineMs = TEMPORAL_DEADLINE_MS): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + deadlineMs, call);
  } catch (err) {
    throw toProblem(err) ?? err;
  }
}

/** What a workflow's refusal of an update means to the API, by the failure type the workflow gave it. */
const REFUSALS: Record<string, (f: ApplicationFailure) => Problem> = {
  InvalidTargetSpec: (f) =>
    new Problem('unprocessable', 'the target workflow refused this configuration', {
      errors: ((f.details?.[0] as z.core.$ZodIssue[] | undefined) ?? []).map((i) => ({ field: i.path.join('.'), message: i.message })),
    }),
  VersionConflict: (f) => new Problem('conflict', f.message),
  TargetPaused: (f) => new Problem('conflict', f.message),
  TargetDeleted: () => new Problem('not-found', 'the target was deleted'),
  TargetUnstorable: (f) => new Problem('unprocessable', f.message),
};

function toProblem(err: unknown): Problem | undefined {
  if (err instanceof WorkflowNotFoundError) return new Problem('not-found');
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type) {
    return REFUSALS[err.cause.type]?.(err.cause);
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new Problem('temporal-unavailable', 'the target workflow did not answer in time', { retryAfterSeconds: 5 });
  }
  if (err instanceof ServiceError && !(err instanceof WorkflowExecutionAlreadyStartedError)) {
    if (/not found|already completed/i.test(err.message)) return new Problem('not-found');
    return new Problem('temporal-unavailable', err.message, { retryAfterSeconds: 5 });
  }
  return undefined;
}
