import { ApplicationFailure } from '@temporalio/activity';
import { isRefusedForGood } from '../db/errors';
import { UNSTORABLE } from '../contracts/failures';

/**
 * The activities as they are, except that a write Postgres refuses for good (see isRefusedForGood) fails
 * non-retryably: retrying the same row fails forever, and would hold the workflow waiting on it with it. The
 * workflow hears of it at once and decides. Postgres's message says what and where, never the value.
 */
export function failingFastOnRefusedWrites<A extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: A): A {
  const wrapped = Object.entries(activities).map(([name, activity]) => [
    name,
    async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (err) {
        throw failingFast(err);
      }
    },
  ]);
  return Object.fromEntries(wrapped) as A;
}

/** The error an activity fails with: a write Postgres refuses for good as a non-retryable failure, others as they are. */
export function failingFast(err: unknown): unknown {
  if (!isRefusedForGood(err)) return err;
  const { message, code } = err as { message: string; code: string };
  return ApplicationFailure.nonRetryable(`Postgres refused the write: ${message} (SQLSTATE ${code})`, UNSTORABLE);
}
