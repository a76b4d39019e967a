import type { Client } from '@temporalio/client';
import { ServiceError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Problem } from './problems';

/** How long a request waits on Temporal before answering 503: a request never hangs on an unreachable server. */
const TEMPORAL_DEADLINE_MS = 5_000;

/** Runs a Temporal call with a deadline; an unreachable or overloaded Temporal becomes a 503 with Retry-After. */
export async function temporalCall<T>(client: Client, call: () => Promise<T>): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, call);
  } catch (err) {
    if (err instanceof ServiceError && !(err instanceof WorkflowExecutionAlreadyStartedError)) {
      throw new Problem('temporal-unavailable', err.message, { retryAfterSeconds: 5 });
    }
    throw err;
  }
}
