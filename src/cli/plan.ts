import { ChannelEntrySchema, secretFieldsOf, StatusPageEntrySchema, TargetEntrySchema, PolicyEntrySchema, type ConfigFile } from '../api/config/schema';
import { Problem } from '../api/problems';
import { ChannelInputSchema } from '../domain/escalation';
import type { Observed, Representation } from './state';

/**
 * What applying a configuration file would do to the server, worked out without changing anything: pure, from the
 * file (parsed) and the server's state (observed). Resources are matched by key (status pages by slug); resources
 * without a key are not the file's, and are never changed or deleted.
 */

export const RESOURCES = ['channel', 'escalationPolicy', 'target', 'statusPage'] as const;
export type Resource = (typeof RESOURCES)[number];

/** The file's section for each resource. */
export const SECTION = { channel: 'channels', escalationPolicy: 'escalationPolicies', target: 'targets', statusPage: 'statusPages' } as const;

export interface FieldChange {
  field: string;
  /** Absent: the field was not set. */
  from?: unknown;
  to?: unknown;
  /** A secret: its values are never shown. */
  secret?: true;
}

export interface Change {
  action: 'create' | 'update' | 'delete';
  resource: Resource;
  key: string;
  /** The server's id, for updates and deletes. */
  id?: string;
  /** Updates: each field that changes. */
  fields: FieldChange[];
}

export interface Plan {
  /** In the order apply makes them: what others reference first, deletions last and in reverse. */
  changes: Change[];
  /** Keyless resources of each kind the file does not manage, left alone (prune included). */
  unmanaged: Record<Resource, number>;
}

/** A fault the file has only in the light of the server (an unresolved reference, a secret a create needs). */
export interface PlanError {
  path: (string | number)[];
  message: string;
}

export class UnresolvedConfig extends Error {
  override name = 'UnresolvedConfig';
  constructor(readonly errors: PlanError[]) {
    super(errors.map((e) => `${e.path.join('.')}: ${e.message}`).join('\n'));
  }
}

const SCHEMA = { channel: ChannelEntrySchema, escalationPolicy: PolicyEntrySchema, target: TargetEntrySchema, statusPage: StatusPageEntrySchema };
const KEY_FIELD = { channel: 'key', escalationPolicy: 'key', target: 'key', statusPage: 'slug' } as const;

/** Values compared as JSON with sorted object keys: `{a, b}` equals `{b, a}`. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );

/**
 * Whether a secret of the file is what the server holds: shown whole, or by its hint (`…` with what the API shows of
 * it around: its last characters, a URL's origin before); when the server shows neither, it cannot be told, and
 * counts as the same.
 */
function secretMatches(rep: Representation, field: string, value: unknown): boolean {
  if (typeof rep[field] === 'string') return rep[field] === value;
  const hint = rep[`${field}Hint`];
  if (typeof hint !== 'string' || typeof value !== 'string' || !hint.includes('…')) return true;
  const [head, tail] = [hint.slice(0, hint.indexOf('…')), hint.slice(hint.indexOf('…') + 1)];
  return value.startsWith(head) && value.endsWith(tail);
}

/**
 * A channel as PUT replaces it: the file's entry, with each secret the file leaves out taken from the server where it
 * shows it whole; where it does not, left out (a webhook keeps its signing secret; another kind's PUT then needs it).
 */
export function channelBody(entry: Record<string, unknown>, rep?: Representation): Record<string, unknown> {
  const shown = secretFieldsOf('channels', String(entry.kind)).filter(
    (f) => entry[f] === undefined && rep?.kind === entry.kind && typeof rep?.[f] === 'string',
  );
  return { ...Object.fromEntries(shown.map((f) => [f, rep![f]])), ...entry };
}

const secretsOf = (resource: Resource, entry: Record<string, unknown>): readonly string[] =>
  resource === 'channel' ? secretFieldsOf('channels', String(entry.kind)) : resource === 'target' ? secretFieldsOf('targets', String(entry.kind)) : [];

/** Each field whose value differs between the file's entry and the server's, defaults filled in on both sides. */
export function fieldChanges(resource: Resource, desired: Record<string, unknown>, observed: Record<string, unknown>, rep: Representation): FieldChange[] {
  const parsed = SCHEMA[resource].safeParse(observed);
  const current = (parsed.success ? parsed.data : observed) as Record<string, unknown>;
  const secrets = secretsOf(resource, desired);
  const fields = [...new Set([...Object.keys(desired), ...Object.keys(current)])].filter((f) => f !== KEY_FIELD[resource]);
  return fields.flatMap((field): FieldChange[] => {
    if (secrets.includes(field)) return desired[field] === undefined || secretMatches(rep, field, desired[field]) ? [] : [{ field, secret: true }];
    if (canonical(desired[field]) === canonical(current[field])) return [];
    return [{ field, ...(current[field] === undefined ? {} : { from: current[field] }), ...(desired[field] === undefined ? {} : { to: desired[field] }) }];
  });
}

/**
 * The plan, or the file's faults that only the server's state reveals: references to keys that are neither in the
 * file nor on the server (with `prune`, the server's others are to be deleted: only the file counts), and a channel
 * to create without a secret it needs.
 */
export function planChanges(desired: ConfigFile, observed: Observed, { prune }: { prune: boolean }): Plan {
  const errors = unresolved(desired, observed, prune);
  const changes: Change[] = [];
  const deletes: Change[][] = [];
  const observedEntries = {
    channel: new Map(observed.config.channels.map((e) => [e.key, e as Record<string, unknown>])),
    escalationPolicy: new Map(observed.config.escalationPolicies.map((e) => [e.key, e as Record<string, unknown>])),
    target: new Map(observed.config.targets.map((e) => [e.key, e as Record<string, unknown>])),
    statusPage: new Map(observed.config.statusPages.map((e) => [e.slug, e as Record<string, unknown>])),
  };
  for (const resource of RESOURCES) {
    const section = SECTION[resource];
    const reps = observed.byKey[section];
    const entries = desired[section] as Record<string, unknown>[];
    const wanted = new Set<string>();
    for (const entry of entries) {
      const key = entry[KEY_FIELD[resource]] as string;
      wanted.add(key);
      const rep = reps.get(key);
      if (!rep) {
        changes.push({ action: 'create', resource, key, fields: [] });
        continue;
      }
      const fields = fieldChanges(resource, entry, observedEntries[resource].get(key) ?? {}, rep);
      if (fields.length > 0) changes.push({ action: 'update', resource, key, id: rep.id, fields });
    }
    if (prune) deletes.push([...reps].filter(([key]) => !wanted.has(key)).map(([key, rep]) => ({ action: 'delete', resource, key, id: rep.id, fields: [] })));
  }
  errors.push(...secretsToSend(desired, observed, changes));
  if (errors.length > 0) throw new UnresolvedConfig(errors);
  const unmanaged = {
    channel: observed.unmanaged.channels,
    escalationPolicy: observed.unmanaged.escalationPolicies,
    target: observed.unmanaged.targets,
    statusPage: 0,
  };
  return { changes: [...changes, ...deletes.reverse().flat()], unmanaged };
}

function unresolved(desired: ConfigFile, observed: Observed, prune: boolean): PlanError[] {
  const errors: PlanError[] = [];
  const known = (section: 'targets' | 'channels' | 'escalationPolicies') => {
    const keys = new Set((desired[section] as { key: string }[]).map((e) => e.key));
    if (!prune) for (const key of observed.byKey[section].keys()) keys.add(key);
    return keys;
  };
  const where = prune ? 'in this file (--prune deletes the server’s others)' : 'in this file or on the server';
  const channels = known('channels');
  for (const [i, policy] of desired.escalationPolicies.entries()) {
    for (const [j, level] of policy.levels.entries()) {
      for (const [k, key] of level.channels.entries()) {
        if (!channels.has(key)) errors.push({ path: ['escalationPolicies', i, 'levels', j, 'channels', k], message: `no channel "${key}" ${where}` });
      }
    }
  }
  const policies = known('escalationPolicies');
  for (const [i, target] of desired.targets.entries()) {
    if (target.escalationPolicy && !policies.has(target.escalationPolicy)) {
      errors.push({ path: ['targets', i, 'escalationPolicy'], message: `no escalation policy "${target.escalationPolicy}" ${where}` });
    }
  }
  const targets = known('targets');
  for (const [i, page] of desired.statusPages.entries()) {
    for (const [j, { target }] of page.targets.entries()) {
      if (!targets.has(target)) errors.push({ path: ['statusPages', i, 'targets', j, 'target'], message: `no target "${target}" ${where}` });
    }
    const seen = new Set<string>();
    for (const [j, { target }] of page.targets.entries()) {
      if (seen.has(target)) errors.push({ path: ['statusPages', i, 'targets', j, 'target'], message: 'listed twice' });
      seen.add(target);
    }
  }
  // A secret may be left out of an entry whose resource exists; one the server needs to create it may not.
  for (const [i, channel] of desired.channels.entries()) {
    if (observed.byKey.channels.has(channel.key)) continue;
    const parsed = ChannelInputSchema.safeParse(channel);
    if (parsed.success) continue;
    const secrets = secretFieldsOf('channels', channel.kind);
    for (const { field, message } of Problem.invalid(parsed.error).extra.errors ?? []) {
      const leftOut = secrets.includes(field) && channel[field] === undefined;
      errors.push({ path: ['channels', i, field], message: leftOut ? 'needed to create the channel (a secret may be left out only once it exists)' : message });
    }
  }
  return errors;
}

/** A channel to change whose PUT needs a secret the file leaves out and the server does not show. */
function secretsToSend(desired: ConfigFile, observed: Observed, changes: Change[]): PlanError[] {
  return changes.flatMap((change) => {
    if (change.resource !== 'channel' || change.action !== 'update') return [];
    const i = desired.channels.findIndex((c) => c.key === change.key);
    const entry = desired.channels[i]!;
    const parsed = ChannelInputSchema.safeParse(channelBody(entry, observed.byKey.channels.get(change.key)));
    if (parsed.success) return [];
    return (Problem.invalid(parsed.error).extra.errors ?? []).map(({ field, message }) => ({
      path: ['channels', i, field],
      message: entry[field] === undefined ? 'needed to change the channel, and the server does not show it: set it in the file' : message,
    }));
  });
}
