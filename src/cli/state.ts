import { z } from 'zod';
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
} from '../api/config/schema';
import type { PersonTargetKind } from '../domain/escalation';
import type { VigilClient } from './client';

/**
 * What the server holds, as its API shows it, and the same as a configuration file: the one conversion both
 * `vigil export` (which writes it) and `vigil plan` (which compares a file with it) use, so that an exported file
 * plans as no change by construction.
 */

/** A resource as the API represents it: the fields each kind's representation has, and the rest of its configuration. */
export type Representation = { id: string } & Record<string, unknown>;

export interface ServerState {
  users: Representation[];
  rotations: Representation[];
  schedules: Representation[];
  targets: Representation[];
  channels: Representation[];
  policies: Representation[];
  statusPages: Representation[];
}

export async function readServerState(client: VigilClient): Promise<ServerState> {
  const [users, rotations, schedules, targets, channels, policies, statusPages] = await Promise.all([
    client.listAll<Representation>('/v1/users'),
    client.listAll<Representation>('/v1/rotations'),
    client.listAll<Representation>('/v1/schedules'),
    client.listAll<Representation>('/v1/targets'),
    client.listAll<Representation>('/v1/channels'),
    client.listAll<Representation>('/v1/escalation-policies'),
    client.listAll<Representation>('/v1/status-pages'),
  ]);
  return { users, rotations, schedules, targets, channels, policies, statusPages };
}

/** The sections of a file whose entries are keyed by `key` (status pages are keyed by their slug). */
export const KEYED_SECTIONS = ['users', 'rotations', 'schedules', 'targets', 'channels', 'escalationPolicies'] as const;
export type KeyedSection = (typeof KEYED_SECTIONS)[number];

/** The server's configuration as a file, every field spelled out; and what the file can name only by id. */
export interface Observed {
  config: ConfigFile;
  /** Resources of each kind by key (status pages by slug), for their ids and what the file leaves out (secrets). */
  byKey: Record<KeyedSection | 'statusPages', Map<string, Representation>>;
  /** Resources without a key of each kind: not the file's, left alone. */
  unmanaged: Record<KeyedSection, number>;
  /** Every user's e-mail address (unique on the server), with the user's key: keyless users too, whose address a new user cannot take. */
  userEmails: Map<string, string | null>;
  /** Managed resources (with a key) that reference one without a key, which a file cannot name. */
  unnamed: string[];
}

type Variant = z.ZodObject;

/** The variant of a discriminated union of entries for this `kind`. */
export const variantOf = (union: { options: readonly unknown[] }, kind: unknown): Variant | undefined =>
  (union.options as Variant[]).find((variant) => kindOf(variant) === kind);

/** The literal `kind` of a variant (http's is defaulted: its literal is inside the default). */
function kindOf(variant: Variant): unknown {
  const kind = variant.shape.kind;
  const literal = kind instanceof z.ZodDefault ? kind.unwrap() : kind;
  return (literal as z.ZodLiteral).value;
}

/** The fields of `rep` that its kind's file entry has, secrets left out. */
function entryFields(rep: Representation, variant: Variant, secrets: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.keys(variant.shape).flatMap((field) => (secrets.includes(field) || rep[field] === undefined ? [] : [[field, rep[field]]])));
}

/** A user's contact methods as a file writes them: their secrets (a Slack or webhook URL) left out. */
export const contactMethodsShown = (methods: readonly Record<string, unknown>[]): Record<string, unknown>[] =>
  methods.map((method) => {
    const secrets = secretFieldsOf('contactMethods', String(method.kind));
    return Object.fromEntries(Object.entries(method).filter(([field]) => !secrets.includes(field)));
  });

export function observe(state: ServerState): Observed {
  const unnamed: string[] = [];
  const keyed = (reps: Representation[], keyField = 'key') =>
    new Map(reps.filter((r) => typeof r[keyField] === 'string').map((r) => [r[keyField] as string, r]));
  const byKey = {
    users: keyed(state.users),
    rotations: keyed(state.rotations),
    schedules: keyed(state.schedules),
    targets: keyed(state.targets),
    channels: keyed(state.channels),
    escalationPolicies: keyed(state.policies),
    statusPages: keyed(state.statusPages, 'slug'),
  };
  const keyOfId = new Map(
    [...state.users, ...state.rotations, ...state.schedules, ...state.targets, ...state.channels, ...state.policies].map((r) => [r.id, r.key as string | null]),
  );
  /** A reference as the file writes it: the key, or where there is none, the id (which no file key matches). */
  const name = (from: string, id: string): string => {
    const key = keyOfId.get(id);
    if (key) return key;
    unnamed.push(`${from} names ${id}, which has no key`);
    return id;
  };

  const users = [...byKey.users.entries()].map(([key, rep]) => ({
    ...entryFields(rep, UserEntrySchema, []),
    key,
    contactMethods: contactMethodsShown(rep.contactMethods as Record<string, unknown>[]),
  }));
  // Who is on call now is not configuration: the rotation's turns, as the file writes them.
  const rotations = [...byKey.rotations.entries()].map(([key, rep]) => ({
    ...entryFields(rep, RotationEntrySchema, []),
    key,
    participants: (rep.participants as string[]).map((id) => name(`rotation ${key}`, id)),
  }));
  // Overrides are operations of the day, not configuration: the rules alone.
  const schedules = [...byKey.schedules.entries()].map(([key, rep]) => ({
    ...entryFields(rep, ScheduleEntrySchema, []),
    key,
    rules: (rep.rules as { days: string[]; start: string; end: string; rotationId?: string; userId?: string }[]).map(({ rotationId, userId, ...rule }) => ({
      ...rule,
      ...(rotationId === undefined ? { user: name(`schedule ${key}`, userId!) } : { rotation: name(`schedule ${key}`, rotationId) }),
    })),
  }));
  const targets = [...byKey.targets.entries()].map(([key, rep]) => {
    const variant = variantOf(TargetEntrySchema, rep.kind);
    const fields = variant ? entryFields(rep, variant, secretFieldsOf('targets', String(rep.kind))) : {};
    const policyId = rep.escalationPolicyId as string | null;
    return { ...fields, key, escalationPolicy: policyId ? name(`target ${key}`, policyId) : null };
  });
  const channels = [...byKey.channels.entries()].map(([key, rep]) => {
    const variant = variantOf(ChannelEntrySchema, rep.kind);
    return { ...(variant ? entryFields(rep, variant, secretFieldsOf('channels', String(rep.kind))) : {}), key } as ConfigFile['channels'][number];
  });
  // Every field the entry has, as the server shows it (fields added to the API's bodies come along), references by key.
  const escalationPolicies = [...byKey.escalationPolicies.entries()].map(([key, rep]) => ({
    ...entryFields(rep, PolicyEntrySchema, []),
    key,
    levels: (rep.levels as { timeoutSeconds: number; channels: { id: string }[]; people?: { kind: PersonTargetKind; id: string }[] }[]).map((level) => {
      const named = (ids: string[]) => ids.map((id) => name(`escalation policy ${key}`, id));
      const people = (kind: PersonTargetKind) => named((level.people ?? []).filter((p) => p.kind === kind).map((p) => p.id));
      // Each list only when it names something, as a file would say it.
      const lists = { channels: named(level.channels.map((c) => c.id)), users: people('user'), schedules: people('schedule'), rotations: people('rotation') };
      return { timeoutSeconds: level.timeoutSeconds, ...Object.fromEntries(Object.entries(lists).filter(([, keys]) => keys.length > 0)) };
    }),
  }));
  const statusPages = [...byKey.statusPages.entries()].map(([slug, rep]) => ({
    ...entryFields(rep, StatusPageEntrySchema, []),
    slug,
    targets: (rep.targets as { targetId: string; displayName: string | null }[]).map((t) => ({
      target: name(`status page ${slug}`, t.targetId),
      ...(t.displayName === null ? {} : { displayName: t.displayName }),
    })),
  }));
  const unmanaged = {
    users: state.users.length - byKey.users.size,
    rotations: state.rotations.length - byKey.rotations.size,
    schedules: state.schedules.length - byKey.schedules.size,
    targets: state.targets.length - byKey.targets.size,
    channels: state.channels.length - byKey.channels.size,
    escalationPolicies: state.policies.length - byKey.escalationPolicies.size,
  };
  const userEmails = new Map(state.users.map((u) => [u.email as string, u.key as string | null]));
  return {
    config: { users, rotations, schedules, targets, channels, escalationPolicies, statusPages } as ConfigFile,
    byKey,
    unmanaged,
    userEmails,
    unnamed,
  };
}
