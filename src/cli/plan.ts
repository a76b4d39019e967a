import {
  ChannelEntrySchema,
  PolicyEntrySchema,
  RotationEntrySchema,
  ScheduleEntrySchema,
  secretFieldsOf,
  StatusPageEntrySchema,
  TargetEntrySchema,
  UserEntrySchema,
  type ConfigFile,
  type ContactMethodEntry,
} from '../api/config/schema';
import { Problem } from '../api/problems';
import { ChannelInputSchema } from '../domain/escalation';
import { contactMethodsShown, type KeyedSection, type Observed, type Representation } from './state';

/**
 * What applying a configuration file would do to the server, worked out without changing anything: pure, from the
 * file (parsed) and the server's state (observed). Resources are matched by key (status pages by slug); resources
 * without a key are not the file's, and are never changed or deleted.
 */

/** In the order they are made: what others name first (people before the rotations and schedules that name them). */
export const RESOURCES = ['user', 'rotation', 'schedule', 'channel', 'escalationPolicy', 'target', 'statusPage'] as const;
export type Resource = (typeof RESOURCES)[number];

/** The file's section for each resource. */
export const SECTION = {
  user: 'users',
  rotation: 'rotations',
  schedule: 'schedules',
  channel: 'channels',
  escalationPolicy: 'escalationPolicies',
  target: 'targets',
  statusPage: 'statusPages',
} as const;

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

const SCHEMA = {
  user: UserEntrySchema,
  rotation: RotationEntrySchema,
  schedule: ScheduleEntrySchema,
  channel: ChannelEntrySchema,
  escalationPolicy: PolicyEntrySchema,
  target: TargetEntrySchema,
  statusPage: StatusPageEntrySchema,
};
export const KEY_FIELD = {
  user: 'key',
  rotation: 'key',
  schedule: 'key',
  channel: 'key',
  escalationPolicy: 'key',
  target: 'key',
  statusPage: 'slug',
} as const;

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

/**
 * A user's contact methods as PATCH and POST take them: each URL the file leaves out taken from the server's contact
 * method of the same name and kind (admins see it whole); where there is none, left out (plan refuses that first).
 */
export function contactMethodsBody(methods: readonly ContactMethodEntry[], rep?: Representation): Record<string, unknown>[] {
  const stored = (rep?.contactMethods ?? []) as Record<string, unknown>[];
  return methods.map((method) => {
    const same = stored.find((m) => m.name === method.name && m.kind === method.kind);
    const missing = secretFieldsOf('contactMethods', method.kind).filter((f) => method[f] === undefined && typeof same?.[f] === 'string');
    return { ...Object.fromEntries(missing.map((f) => [f, same![f]])), ...method };
  });
}

/**
 * A user's contact methods compared: the same when, URLs filled in from the server, they are what it holds; a change
 * only of URLs is shown as a secret, without values; any other, without the URLs.
 */
function contactMethodsChange(desired: readonly ContactMethodEntry[], rep: Representation): FieldChange[] {
  const stored = (rep.contactMethods ?? []) as Record<string, unknown>[];
  if (canonical(contactMethodsBody(desired, rep)) === canonical(stored)) return [];
  const [from, to] = [contactMethodsShown(stored), contactMethodsShown(desired)];
  return [canonical(from) === canonical(to) ? { field: 'contactMethods', secret: true } : { field: 'contactMethods', from, to }];
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
    if (resource === 'user' && field === 'contactMethods') return contactMethodsChange(desired.contactMethods as ContactMethodEntry[], rep);
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
    user: new Map(observed.config.users.map((e) => [e.key, e as Record<string, unknown>])),
    rotation: new Map(observed.config.rotations.map((e) => [e.key, e as Record<string, unknown>])),
    schedule: new Map(observed.config.schedules.map((e) => [e.key, e as Record<string, unknown>])),
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
    user: observed.unmanaged.users,
    rotation: observed.unmanaged.rotations,
    schedule: observed.unmanaged.schedules,
    channel: observed.unmanaged.channels,
    escalationPolicy: observed.unmanaged.escalationPolicies,
    target: observed.unmanaged.targets,
    statusPage: 0,
  };
  return { changes: [...changes, ...deletes.reverse().flat()], unmanaged };
}

function unresolved(desired: ConfigFile, observed: Observed, prune: boolean): PlanError[] {
  const errors: PlanError[] = [];
  const known = (section: KeyedSection) => {
    const keys = new Set((desired[section] as { key: string }[]).map((e) => e.key));
    if (!prune) for (const key of observed.byKey[section].keys()) keys.add(key);
    return keys;
  };
  const where = prune ? 'in this file (--prune deletes the server’s others)' : 'in this file or on the server';
  const users = known('users');
  for (const [i, rotation] of desired.rotations.entries()) {
    for (const [j, key] of rotation.participants.entries()) {
      if (!users.has(key)) errors.push({ path: ['rotations', i, 'participants', j], message: `no user "${key}" ${where}` });
    }
  }
  const rotations = known('rotations');
  for (const [i, schedule] of desired.schedules.entries()) {
    for (const [j, rule] of schedule.rules.entries()) {
      if ('rotation' in rule && !rotations.has(rule.rotation))
        errors.push({ path: ['schedules', i, 'rules', j, 'rotation'], message: `no rotation "${rule.rotation}" ${where}` });
      if ('user' in rule && !users.has(rule.user)) errors.push({ path: ['schedules', i, 'rules', j, 'user'], message: `no user "${rule.user}" ${where}` });
    }
  }
  // E-mail addresses are unique among users: one the file gives twice, or that another user has on the server now
  // (keyless, or keyed and not yet changed: changes run at once, so a swap takes two applies), would be refused half-way.
  const emails = new Map<string, string>();
  for (const [i, user] of desired.users.entries()) {
    const holder = observed.userEmails.get(user.email);
    const twice = emails.get(user.email);
    if (twice !== undefined) errors.push({ path: ['users', i, 'email'], message: `already the e-mail address of user "${twice}" in this file` });
    else if (holder !== undefined && holder !== user.key)
      errors.push({
        path: ['users', i, 'email'],
        message:
          holder === null
            ? 'a user without a key has this e-mail address on the server: give it this key to manage it'
            : `user "${holder}" has this e-mail address on the server`,
      });
    emails.set(user.email, user.key);
  }
  // A contact method's URL may be left out once the server has it (the same name and kind), never before.
  for (const [i, user] of desired.users.entries()) {
    const rep = observed.byKey.users.get(user.key);
    for (const [j, method] of contactMethodsBody(user.contactMethods, rep).entries()) {
      for (const field of secretFieldsOf('contactMethods', method.kind as string)) {
        if (method[field] === undefined)
          errors.push({
            path: ['users', i, 'contactMethods', j, field],
            message: `needed: the server has no ${method.kind} contact method "${method.name}" for this user (a URL may be left out only once it does)`,
          });
      }
    }
  }
  const named = {
    channels: [known('channels'), 'channel'],
    users: [users, 'user'],
    schedules: [known('schedules'), 'schedule'],
    rotations: [rotations, 'rotation'],
  } as const;
  for (const [i, policy] of desired.escalationPolicies.entries()) {
    for (const [j, level] of policy.levels.entries()) {
      for (const [list, [keys, what]] of Object.entries(named)) {
        for (const [k, key] of level[list as keyof typeof named].entries()) {
          if (!keys.has(key)) errors.push({ path: ['escalationPolicies', i, 'levels', j, list, k], message: `no ${what} "${key}" ${where}` });
        }
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
