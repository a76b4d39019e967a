import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { SecretBox } from '../codec/secrets';
import { deleteTargetProjection, upsertTarget } from '../db/targets';
import { UNSTORABLE } from '../contracts/failures';
import type { TargetSpec } from '../domain/target';

export function createTargetActivities({ pool, secrets }: { pool: Pool; secrets: SecretBox }) {
  return {
    /**
     * Projects the configuration the workflow accepted (and whether it is paused), so the API reads what is really in
     * force, and probe windows started under an older version stop writing.
     */
    async saveTarget(target: { targetId: string; spec: TargetSpec; version: number; paused: boolean }): Promise<void> {
      try {
        await upsertTarget(pool, secrets, target);
      } catch (err) {
        // The unique conflicts a projection can meet; each lasts while the other target keeps that token or key.
        const { constraint } = err as { constraint?: string };
        if (constraint === 'targets_ping_token_key') throw ApplicationFailure.nonRetryable('another target has this ping token', UNSTORABLE);
        if (constraint === 'targets_key_key') throw ApplicationFailure.nonRetryable('another target has this key', UNSTORABLE);
        throw err;
      }
    },

    async deleteTarget({ targetId }: { targetId: string }): Promise<void> {
      await deleteTargetProjection(pool, targetId);
    },
  };
}
