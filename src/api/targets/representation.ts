import type { Target, TargetStatus } from '../../db/generated/client';
import type { TargetSpec } from '../../domain/target';
import { targetFields } from './schema';

/** A target as the API shows it: its configuration in the shape it was written, and its current status. */
export function targetRepresentation(target: Target, status: TargetStatus | null) {
  return {
    id: target.id,
    ...targetFields(target.spec as unknown as TargetSpec),
    version: target.configVersion,
    paused: target.paused,
    status: {
      state: status?.state ?? 'unknown',
      since: status?.stateSince ?? target.createdAt,
      flapping: status?.flapping ?? false,
      lastCheckedAt: status?.lastCheckedAt ?? null,
      lastOutcome: status?.lastOutcome ?? null,
      lastLatencyMs: status?.lastLatencyMs ?? null,
      lastError: status?.lastError ?? null,
      consecutiveFailures: status?.consecutiveFailures ?? 0,
    },
    createdAt: target.createdAt,
    updatedAt: target.updatedAt,
  };
}
