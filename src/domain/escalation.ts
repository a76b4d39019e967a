import { z } from 'zod';
import { idSchema } from './id';
import type { ChannelKind } from './channel-kinds';
import { resourceKeyField } from './resource-key';
import { trimmedText } from './text';

/**
 * Notification channels and escalation policies as operators write them. Pure: the API validates with these, and the
 * incident workflow holds a snapshot of a policy (the one in force when the incident opened).
 */

export { CHANNEL_KINDS, CHANNEL_KINDS_MIRRORING_STATE, type ChannelKind } from './channel-kinds';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' }).max(2048);
/** Where a vendor's API answers, for self-hosted servers (ntfy, Mattermost) and tests; each vendor's file has the default. */
const baseUrl = httpUrl.optional().meta({ description: "The vendor API's address; its public service when left out" });

/**
 * Signing secrets follow Standard Webhooks (`whsec_` and the base64 of 24 to 64 random bytes), so receivers can verify
 * with any of its libraries. Left out, Vigil makes one.
 */
export const SigningSecretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'a signing secret looks like whsec_ followed by 24 to 64 base64-encoded bytes');

export const WebhookConfigSchema = z.strictObject({ url: httpUrl, signingSecret: SigningSecretSchema.optional() });
export const SlackConfigSchema = z.strictObject({ url: httpUrl });
/** RFC 5321 bounds what a mail server must take: 64 characters before the @, 254 in all. */
const emailAddress = z
  .email({
    pattern: new RegExp(`^(?=[^@]{1,64}@)${z.regexes.email.source.slice(1)}`),
    error: 'an e-mail address, with at most 64 characters before the @ (RFC 5321)',
  })
  .max(254);
export const EmailConfigSchema = z.strictObject({ addresses: z.array(emailAddress).min(1).max(20) });
/** PagerDuty Events API v2: a service's integration key (32 characters). */
export const PagerDutyConfigSchema = z.strictObject({
  routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/, "the service's Events API v2 integration key: 32 letters and digits"),
  severity: z.enum(['critical', 'error', 'warning', 'info']).default('critical'),
  baseUrl,
});
/** Opsgenie Alert API: an API integration's key (a UUID); EU accounts set baseUrl https://api.eu.opsgenie.com. */
export const OpsgenieConfigSchema = z.strictObject({
  apiKey: z.string().regex(/^[A-Za-z0-9-]{20,64}$/, "an Opsgenie API integration's key"),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).default('P1'),
  baseUrl,
});
/** Microsoft Teams: a Workflows "when a Teams webhook request is received" URL (or a legacy incoming webhook's). */
export const TeamsConfigSchema = z.strictObject({ url: httpUrl });
export const DiscordConfigSchema = z.strictObject({ url: httpUrl });
/** Telegram Bot API: the bot's token from @BotFather and the chat it writes to (a numeric id or @channelname). */
export const TelegramConfigSchema = z.strictObject({
  botToken: z.string().regex(/^\d{1,20}:[A-Za-z0-9_-]{30,64}$/, "the bot's token from @BotFather, <digits>:<secret>"),
  chatId: z.string().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/, 'a numeric chat id or @channelname'),
  baseUrl,
});
export const NtfyConfigSchema = z.strictObject({
  topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, '1 to 64 of A-Z a-z 0-9 _ -'),
  /** For protected topics: an access token (tk_…). */
  accessToken: z.string().min(1).max(256).optional(),
  baseUrl,
});
/** Pushover: the application's API token and the user (or group) key, 30 characters each. */
export const PushoverConfigSchema = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9]{30}$/, "the application's API token: 30 letters and digits"),
  user: z.string().regex(/^[A-Za-z0-9]{30}$/, 'the user or group key: 30 letters and digits'),
  device: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,25}$/)
    .optional(),
  baseUrl,
});
/** Mattermost's incoming webhook; Rocket.Chat's takes the same Slack-compatible payload. */
export const MattermostConfigSchema = z.strictObject({ url: httpUrl });

/** Each kind's own settings: what a channel stores beside its name. */
export const CHANNEL_CONFIG_SCHEMAS = {
  webhook: WebhookConfigSchema,
  slack: SlackConfigSchema,
  email: EmailConfigSchema,
  pagerduty: PagerDutyConfigSchema,
  opsgenie: OpsgenieConfigSchema,
  teams: TeamsConfigSchema,
  discord: DiscordConfigSchema,
  telegram: TelegramConfigSchema,
  ntfy: NtfyConfigSchema,
  pushover: PushoverConfigSchema,
  mattermost: MattermostConfigSchema,
} as const satisfies Record<ChannelKind, z.ZodObject>;

/**
 * The settings that are secrets: sealed at rest (src/codec/secrets.ts), shown whole only in the answer that wrote
 * them, then as a hint. Chat webhook URLs are secrets: whoever has one can post.
 */
export const CHANNEL_SECRET_FIELDS = {
  webhook: ['url', 'signingSecret'],
  slack: ['url'],
  email: [],
  pagerduty: ['routingKey'],
  opsgenie: ['apiKey'],
  teams: ['url'],
  discord: ['url'],
  telegram: ['botToken'],
  ntfy: ['accessToken'],
  pushover: ['token', 'user'],
  mattermost: ['url'],
} as const satisfies { [K in ChannelKind]: readonly (keyof z.infer<(typeof CHANNEL_CONFIG_SCHEMAS)[K]>)[] };

const name = trimmedText(1, 200);

/** A channel as created: its kind beside the kind's own fields. */
export const ChannelInputSchema = z.discriminatedUnion('kind', [
  WebhookConfigSchema.extend({ kind: z.literal('webhook'), name, key: resourceKeyField }),
  SlackConfigSchema.extend({ kind: z.literal('slack'), name, key: resourceKeyField }),
  EmailConfigSchema.extend({ kind: z.literal('email'), name, key: resourceKeyField }),
  PagerDutyConfigSchema.extend({ kind: z.literal('pagerduty'), name, key: resourceKeyField }),
  OpsgenieConfigSchema.extend({ kind: z.literal('opsgenie'), name, key: resourceKeyField }),
  TeamsConfigSchema.extend({ kind: z.literal('teams'), name, key: resourceKeyField }),
  DiscordConfigSchema.extend({ kind: z.literal('discord'), name, key: resourceKeyField }),
  TelegramConfigSchema.extend({ kind: z.literal('telegram'), name, key: resourceKeyField }),
  NtfyConfigSchema.extend({ kind: z.literal('ntfy'), name, key: resourceKeyField }),
  PushoverConfigSchema.extend({ kind: z.literal('pushover'), name, key: resourceKeyField }),
  MattermostConfigSchema.extend({ kind: z.literal('mattermost'), name, key: resourceKeyField }),
]);
export type ChannelInput = z.infer<typeof ChannelInputSchema>;

/** What a channel stores beside its name and kind, secrets in clear (the API never shows them whole); a webhook always has a signing secret. */
export type ChannelConfig = {
  [K in ChannelKind]: { kind: K } & (K extends 'webhook' ? Required<z.infer<typeof WebhookConfigSchema>> : z.infer<(typeof CHANNEL_CONFIG_SCHEMAS)[K]>);
}[ChannelKind];
export type ChannelConfigOf<K extends ChannelKind> = Extract<ChannelConfig, { kind: K }>;

export const channelId = idSchema('chn', 'a channel');
export const escalationPolicyId = idSchema('esc', 'an escalation policy');

/** Ids a level names, each once: up to 20 of a kind. */
const levelIds = (id: z.ZodString, what: string) =>
  z
    .array(id)
    .max(20)
    .refine((ids) => new Set(ids).size === ids.length, `${what} appears twice in this level`)
    .meta({ uniqueItems: true })
    .default([]);

/** The kinds of people a level pages: a user, whoever a schedule has on call, whoever has a rotation's turn. */
export const PERSON_TARGET_KINDS = ['user', 'schedule', 'rotation'] as const;
export type PersonTargetKind = (typeof PERSON_TARGET_KINDS)[number];

/**
 * A level's timeout and channels. Configuration files write levels from this (channels by key, src/api/config), so
 * the people a level pages are added beside it, in EscalationLevelInputSchema.
 */
export const EscalationLevelSchema = z.strictObject({
  /** How long this level has to acknowledge before the next one is notified. */
  timeoutSeconds: z
    .int()
    .min(60)
    .max(7 * 86_400),
  channelIds: levelIds(channelId, 'a channel'),
});

/** A level as the API takes it: channels and people (users, schedules, rotations), at least one of any kind. */
export const EscalationLevelInputSchema = EscalationLevelSchema.extend({
  userIds: levelIds(idSchema('usr', 'a user'), 'a user').meta({ description: 'Paged through their contact methods and notification rules' }),
  scheduleIds: levelIds(idSchema('sch', 'a schedule'), 'a schedule').meta({ description: 'Whoever the schedule has on call when the level fires is paged' }),
  rotationIds: levelIds(idSchema('rot', 'a rotation'), 'a rotation').meta({ description: 'Whoever has the turn when the level fires is paged' }),
}).refine((l) => l.channelIds.length + l.userIds.length + l.scheduleIds.length + l.rotationIds.length > 0, {
  message: 'a level names at least one channel, user, schedule or rotation',
  path: ['channelIds'],
});

export const EscalationPolicyInputSchema = z.strictObject({
  name: trimmedText(1, 200),
  key: resourceKeyField,
  description: z.string().max(2000).default(''),
  /** How many more times the whole chain runs when nobody acknowledges it; then the incident is exhausted. */
  repeat: z.int().min(0).max(9).default(0),
  levels: z.array(EscalationLevelInputSchema).min(1).max(10),
});
export type EscalationPolicyInput = z.infer<typeof EscalationPolicyInputSchema>;

/** Someone a level pages, as an incident captured it: whom they are is found when the level fires. */
export interface PolicyPersonTarget {
  kind: PersonTargetKind;
  id: string;
  name: string;
}

/**
 * A policy as an incident captured it: levels with their channels' ids, names and kinds (never their secrets), and the
 * people they page, only on levels that page someone (so a policy of channels alone captures as it always did).
 */
export interface PolicySnapshot {
  id: string;
  name: string;
  /** The policy's version when captured; a later change applies to new incidents only. */
  version: number;
  repeat: number;
  levels: { timeoutSeconds: number; channels: { id: string; name: string; kind: ChannelKind }[]; people?: PolicyPersonTarget[] }[];
}
