import { createHash, randomUUID } from 'node:crypto';
import type { ConfigFile, ContactMethodEntry, PolicyEntry } from '../api/config/schema';
import { forEachAtMost } from '../concurrency';
import type { VigilClient } from './client';
import { channelBody, contactMethodsBody, KEY_FIELD, RESOURCES, SECTION, type Change, type Plan, type Resource } from './plan';
import type { Observed, Representation } from './state';

/**
 * Carries a plan out through the public API, one request per resource change, so that a failure half-way leaves each
 * resource either as it was or as the file says, and running apply again (a new plan from the server's state) does
 * what is left. What others reference is made first (users, rotations, schedules, channels, policies, targets, status
 * pages), deletions come last and in reverse. A rotation's change never says who is on call now: the API keeps whoever
 * is on call on call (if they leave the rotation, whoever came after them takes over). Every POST carries an
 * Idempotency-Key made from this run and the request, so a retry after a lost answer creates nothing twice.
 */

/** Targets per POST /v1/targets/bulk: the most the API takes in one. */
const BULK_SIZE = 100;
/** Changes sent at once: enough to hide round trips, few enough to leave the server to its running targets. */
const AT_ONCE = 8;

const PATHS = {
  user: '/v1/users',
  rotation: '/v1/rotations',
  schedule: '/v1/schedules',
  channel: '/v1/channels',
  escalationPolicy: '/v1/escalation-policies',
  target: '/v1/targets',
  statusPage: '/v1/status-pages',
} as const;

export interface ApplyProgress {
  /** `done` of `total` changes made. */
  advanced(done: number, total: number): void;
  /** The server asked to wait before sending more (an import admitted as workers catch up). */
  waiting(seconds: number): void;
}

export async function applyPlan(client: VigilClient, desired: ConfigFile, observed: Observed, plan: Plan, progress?: ApplyProgress): Promise<void> {
  const run = randomUUID();
  const idempotencyKey = (method: string, path: string, body: unknown) =>
    `vigil-apply-${run}-${createHash('sha256')
      .update(`${method} ${path} ${JSON.stringify(body)}`)
      .digest('base64url')
      .slice(0, 32)}`;
  const post = <T>(path: string, body: unknown) =>
    client.request<T>('POST', path, { body, idempotencyKey: idempotencyKey('POST', path, body), onWait: progress?.waiting });

  const ids = Object.fromEntries(RESOURCES.map((resource) => [resource, idsByKey(observed.byKey[SECTION[resource]])])) as Record<Resource, Map<string, string>>;
  const idOf = (resource: Resource, key: string): string => {
    const id = ids[resource].get(key);
    if (!id) throw new Error(`no ${resource} "${key}" on the server`);
    return id;
  };
  const entries = Object.fromEntries(
    RESOURCES.map((resource) => [
      resource,
      new Map((desired[SECTION[resource]] as Record<string, unknown>[]).map((e) => [e[KEY_FIELD[resource]] as string, e])),
    ]),
  ) as Record<Resource, Map<string, Record<string, unknown>>>;
  const entryOf = (resource: Resource, key: string) => entries[resource].get(key)!;

  const body = {
    user: (entry: Record<string, unknown>, rep?: Representation) => ({
      ...entry,
      contactMethods: contactMethodsBody(entry.contactMethods as ContactMethodEntry[], rep),
    }),
    rotation: (entry: Record<string, unknown>) => ({ ...entry, participants: (entry.participants as string[]).map((k) => idOf('user', k)) }),
    schedule: (entry: Record<string, unknown>) => {
      const { rules, ...rest } = entry as { rules: ({ rotation: string } | { user: string })[] };
      return {
        ...rest,
        rules: rules.map((rule) => {
          if ('rotation' in rule) {
            const { rotation, ...times } = rule;
            return { ...times, rotationId: idOf('rotation', rotation) };
          }
          const { user, ...times } = rule;
          return { ...times, userId: idOf('user', user) };
        }),
      };
    },
    channel: channelBody,
    escalationPolicy: (entry: Record<string, unknown>) => {
      const { levels, ...rest } = entry as PolicyEntry;
      return {
        ...rest,
        levels: levels.map((l) => ({
          timeoutSeconds: l.timeoutSeconds,
          channelIds: l.channels.map((k) => idOf('channel', k)),
          userIds: l.users.map((k) => idOf('user', k)),
          scheduleIds: l.schedules.map((k) => idOf('schedule', k)),
          rotationIds: l.rotations.map((k) => idOf('rotation', k)),
        })),
      };
    },
    target: (entry: Record<string, unknown>) => {
      const { escalationPolicy, ...rest } = entry;
      return { ...rest, escalationPolicyId: escalationPolicy ? idOf('escalationPolicy', escalationPolicy as string) : null };
    },
    statusPage: (entry: Record<string, unknown>) => {
      const { targets, ...rest } = entry as { targets: { target: string; displayName?: string | null }[] };
      return {
        ...rest,
        targets: targets.map(({ target, displayName }) => ({ targetId: idOf('target', target), ...(displayName === undefined ? {} : { displayName }) })),
      };
    },
  };

  let done = 0;
  const total = plan.changes.length;
  const advance = (changes: Change[]) => {
    done += changes.length;
    progress?.advanced(done, total);
  };

  const make = async (change: Change): Promise<void> => {
    const { resource, key, action } = change;
    const path = PATHS[resource];
    if (action === 'delete') {
      await client.request('DELETE', `${path}/${change.id}`).catch(ignoreGone);
    } else if (action === 'create') {
      const created = await post<{ id: string }>(path, body[resource](entryOf(resource, key)));
      ids[resource].set(key, created.id);
    } else if (resource === 'user' || resource === 'rotation' || resource === 'schedule') {
      // PATCH with the fields that change, each whole (lists replace lists); the key, what matched them, stays.
      const whole = body[resource](entryOf(resource, key), observed.byKey[SECTION[resource]].get(key)) as Record<string, unknown>;
      await client.request('PATCH', `${path}/${change.id}`, { body: Object.fromEntries(change.fields.map(({ field }) => [field, whole[field]])) });
    } else if (resource === 'target') {
      await client.request('PATCH', `${path}/${change.id}`, { body: targetPatch(change, body.target(entryOf(resource, key))) });
    } else if (resource === 'statusPage') {
      // The slug is the page's key: a file entry with another slug is another page.
      const { slug: _slug, ...fields } = body.statusPage(entryOf(resource, key)) as Record<string, unknown>;
      await client.request('PATCH', `${path}/${change.id}`, { body: fields });
    } else {
      const rep = observed.byKey[SECTION[resource]].get(key);
      await client.request('PUT', `${path}/${change.id}`, {
        body: resource === 'channel' ? body.channel(entryOf(resource, key), rep) : body[resource](entryOf(resource, key)),
      });
    }
    advance([change]);
  };

  for (const resource of RESOURCES) {
    const ofThis = plan.changes.filter((c) => c.resource === resource && c.action !== 'delete');
    const creates = ofThis.filter((c) => c.action === 'create');
    if (resource === 'target' && creates.length > 1) {
      for (let i = 0; i < creates.length; i += BULK_SIZE) {
        const batch = creates.slice(i, i + BULK_SIZE);
        const answer = await post<{ targets: ({ id: string } | null)[]; refused?: { index: number; detail?: string }[] }>('/v1/targets/bulk', {
          targets: batch.map((c) => body.target(entryOf('target', c.key))),
        });
        for (const [j, target] of answer.targets.entries()) if (target) ids.target.set(batch[j]!.key, target.id);
        advance(batch.filter((_, j) => answer.targets[j]));
        const refused = answer.refused?.map((r) => `target ${batch[r.index]!.key}: ${r.detail ?? 'refused'}`);
        if (refused?.length) throw new Error(`the server refused: ${refused.join('; ')}`);
      }
      await forEachAtMost(
        AT_ONCE,
        ofThis.filter((c) => c.action !== 'create'),
        make,
      );
    } else {
      await forEachAtMost(AT_ONCE, ofThis, make);
    }
  }
  // Deletions in reverse (status pages first, users last), so that none is still referenced when it goes.
  for (const resource of [...RESOURCES].reverse()) {
    await forEachAtMost(
      AT_ONCE,
      plan.changes.filter((c) => c.action === 'delete' && c.resource === resource),
      make,
    );
  }
}

const idsByKey = (reps: Map<string, Representation>) => new Map([...reps].map(([key, rep]) => [key, rep.id]));

/** A delete that finds the resource gone (a retry, or another hand) has nothing left to do. */
const ignoreGone = (err: unknown) => {
  if ((err as { status?: number }).status === 404) return;
  throw err;
};

/**
 * The PATCH for a target's changed fields, as a merge patch: a field the file no longer sets is null (its default
 * applies). A new kind replaces the probe's fields, so then the whole body goes.
 */
function targetPatch(change: Change, body: Record<string, unknown>): Record<string, unknown> {
  if (change.fields.some((f) => f.field === 'kind')) return body;
  return Object.fromEntries(
    change.fields.map(({ field }) => (field === 'escalationPolicy' ? ['escalationPolicyId', body.escalationPolicyId] : [field, body[field] ?? null])),
  );
}
