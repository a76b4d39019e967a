import type { IncidentRow } from '../../src/contracts/incident';

/** An incident's row as its workflow writes it: just opened, but for what a test sets in `fields`. */
export function incidentRow(fields: Pick<IncidentRow, 'id' | 'targetId'> & Partial<IncidentRow>): IncidentRow {
  return {
    sequence: 1,
    targetName: 'shop',
    state: 'triggered',
    reason: 'down',
    policy: null,
    level: null,
    round: null,
    assignee: null,
    acknowledged: null,
    snoozedUntil: null,
    resolved: null,
    openedAt: Date.now(),
    closedAt: null,
    version: 1,
    ...fields,
  };
}
