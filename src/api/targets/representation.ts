import type { Target, TargetStatus } from '../../db/generated/client';
import type { Probe } from '../../domain/probe';

/** A target as the API shows it: its configuration in the shape it was written, and its current status. */
export function targetRepresentation(target: Target, status: TargetStatus | null) {
  const probe = target.probe as Probe;
  return {
    id: target.id,
    name: target.name,
    intervalSeconds: target.intervalSeconds,
    downAfter: target.downAfter,
    upAfter: target.upAfter,
    ...probe,
    status: {
      state: status?.state ?? 'unknown',
      since: status?.stateSince ?? target.createdAt,
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
