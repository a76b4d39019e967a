import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

/** The failure type of an activity whose write Postgres refuses for good (src/activities/failures.ts). */
export const UNSTORABLE = 'Unstorable';

/**
 * The refusal when an activity failed because Postgres refuses what it was asked to store (asking again cannot
 * help); undefined for any other failure. An activity's failure reaches the workflow wrapped in an ActivityFailure, a
 * local activity's as the ApplicationFailure itself.
 */
export function unstorableRefusal(err: unknown): ApplicationFailure | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  return failure instanceof ApplicationFailure && failure.type === UNSTORABLE ? failure : undefined;
}
