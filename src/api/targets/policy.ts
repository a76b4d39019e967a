import type { Pool } from 'pg';
import { policyExists } from '../../db/escalation';
import type { TargetSpec } from '../../domain/target';
import { Problem } from '../problems';

/**
 * Refuses a configuration that names an escalation policy that does not exist: its incidents would page nobody.
 * (Deleting a policy that targets use is refused on the other side.) Apart from the body schemas, so that those load
 * without the database layer: the command-line client validates files with them.
 */
export async function assertPolicyExists(pool: Pool, spec: TargetSpec): Promise<void> {
  if (!spec.escalationPolicyId) return;
  if (!(await policyExists(pool, spec.escalationPolicyId))) {
    throw new Problem('unprocessable', 'the escalation policy does not exist', {
      errors: [{ field: 'escalationPolicyId', message: `no escalation policy ${spec.escalationPolicyId}` }],
    });
  }
}
