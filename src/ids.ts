/**
 * Every identifier Vigil derives: domain ids, Temporal workflow ids and task queues.
 * Workflow ids come from domain ids so that a retried start finds the workflow it already started.
 * Pure module: imported by workflow code too.
 */

/** Bump the suffix when a workflow change cannot replay old histories, and run old and new workers side by side. */
export const TASK_QUEUE = 'vigil-v1';

export const targetWorkflowId = (targetId: string): string => `target-${targetId}`;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_BODY = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * A ULID with a type prefix (`tgt_01J…`): sortable by creation time, so cursors over ids stay stable while rows
 * are inserted. Not for workflow code (it reads the clock and the random source).
 */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = globalThis.crypto.getRandomValues(new Uint8Array(16));
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[random[i]! % 32];
  return `${prefix}_${time}${rand}`;
}

export type IdPrefix = 'tgt';

export const isId = (prefix: IdPrefix, value: string): boolean =>
  value.startsWith(`${prefix}_`) && ID_BODY.test(value.slice(prefix.length + 1));
