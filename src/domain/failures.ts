import { ActivityFailure, ApplicationFailure } from '@temporalio/common';

/** The failure type of an activity whose write Postgres refuses for good (src/activities/failures.ts). */
export const UNSTORABLE = 'Unstorable';

/** An activity failed because Postgres refuses what it was asked to store: asking again cannot help. */
export const isUnstorable = (err: unknown): err is ActivityFailure & { cause: ApplicationFailure } =>
  err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === UNSTORABLE;
