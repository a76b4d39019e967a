/**
 * Every identifier Vigil derives: domain ids, Temporal workflow ids and task queues.
 * Workflow ids come from domain ids so that a retried start finds the workflow it already started.
 * Pure module: imported by workflow code too.
 */

/** Bump the suffix when a workflow change cannot replay old histories, and run old and new workers side by side. */
export const TASK_QUEUE = 'vigil-v1';

export const targetWorkflowId = (targetId: string): string => `target-${targetId}`;

/** The Temporal Schedule that runs database maintenance, and the id its runs start with (the schedule adds the time). */
export const DATABASE_MAINTENANCE_SCHEDULE_ID = 'vigil-database-maintenance';
export const DATABASE_MAINTENANCE_WORKFLOW_ID = 'database-maintenance';

/**
 * An incident is its target's n-th (sequence from 1): `inc_<target ulid>_<n>`. Derived, not minted, so an open that is
 * retried finds the incident it already opened instead of opening a second.
 */
export const incidentId = (targetId: string, sequence: number): string => `inc_${targetId.slice(targetId.indexOf('_') + 1)}_${sequence}`;
export const incidentWorkflowId = (incidentId: string): string => `incident-${incidentId}`;
/** Each test notification is its own short workflow: `id` is new for each request (or its Idempotency-Key's). */
export const channelTestWorkflowId = (channelId: string, id: string): string => `channel-test-${channelId}-${id}`;
export const INCIDENT_ID = /^inc_[0-9A-Z]{26}_[1-9]\d{0,8}$/;
export const isIncidentId = (value: string): boolean => INCIDENT_ID.test(value);

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID with a type prefix (`tgt_01J…`): sortable by creation time, so cursors over ids stay stable while rows
 * are inserted. Not for workflow code (it reads the clock and the random source). `random` (16 bytes or more) makes
 * it deterministic: the API derives a target's id from its creator's Idempotency-Key, so a retried create finds the
 * workflow the first attempt started.
 */
export function newId(prefix: IdPrefix, now = Date.now(), random?: Uint8Array): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = random ?? globalThis.crypto.getRandomValues(new Uint8Array(16));
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[bytes[i]! % 32];
  return `${prefix}_${time}${rand}`;
}

/**
 * Targets, API keys, notification channels, escalation policies, responder actions on incidents, status pages; users,
 * rotations, schedules and their overrides (on call); audit events.
 */
export type IdPrefix = 'tgt' | 'key' | 'chn' | 'esc' | 'act' | 'stp' | 'usr' | 'rot' | 'sch' | 'ovr' | 'aud';

const ID_PREFIXES: readonly IdPrefix[] = ['tgt', 'key', 'chn', 'esc', 'act', 'stp', 'usr', 'rot', 'sch', 'ovr', 'aud'];
const ID_PATTERNS = Object.fromEntries(ID_PREFIXES.map((p) => [p, new RegExp(`^${p}_[0-9A-HJKMNP-TV-Z]{26}$`)])) as Record<IdPrefix, RegExp>;

/** What an id of this kind looks like: for validation, and for the OpenAPI document's patterns. */
export const idPattern = (prefix: IdPrefix): RegExp => ID_PATTERNS[prefix];

export const isId = (prefix: IdPrefix, value: string): boolean => ID_PATTERNS[prefix].test(value);
