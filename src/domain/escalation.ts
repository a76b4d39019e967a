import { z } from 'zod';
import { idSchema } from './id';
import { resourceKeyField } from './resource-key';
import { trimmedText } from './text';

/**
 * Notification channels and escalation policies as operators write them. Pure: the API validates with these, and the
 * incident workflow holds a snapshot of a policy (the one in force when the incident opened).
 */

export const CHANNEL_KINDS = ['webhook', 'slack', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' }).max(2048);

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

/** A channel as created: its kind beside the kind's own fields. */
export const ChannelInputSchema = z.discriminatedUnion('kind', [
  WebhookConfigSchema.extend({ kind: z.literal('webhook'), name: trimmedText(1, 200), key: resourceKeyField }),
  SlackConfigSchema.extend({ kind: z.literal('slack'), name: trimmedText(1, 200), key: resourceKeyField }),
  EmailConfigSchema.extend({ kind: z.literal('email'), name: trimmedText(1, 200), key: resourceKeyField }),
]);
export type ChannelInput = z.infer<typeof ChannelInputSchema>;

/** Each kind's fields that are secrets: never written back by `vigil export`, compared by their hint where the API shows one. */
export const CHANNEL_SECRET_FIELDS = {
  webhook: ['signingSecret'],
  slack: ['url'],
  email: [],
} as const satisfies { [K in ChannelKind]: readonly string[] };

/** What a channel stores beside its name and kind (secrets included: the API never shows them whole). */
export type ChannelConfig = { kind: 'webhook'; url: string; signingSecret: string } | { kind: 'slack'; url: string } | { kind: 'email'; addresses: string[] };

export const channelId = idSchema('chn', 'a channel');
export const escalationPolicyId = idSchema('esc', 'an escalation policy');

export const EscalationLevelSchema = z.strictObject({
  /** How long this level has to acknowledge before the next one is notified. */
  timeoutSeconds: z
    .int()
    .min(60)
    .max(7 * 86_400),
  channelIds: z
    .array(channelId)
    .min(1)
    .max(20)
    .refine((ids) => new Set(ids).size === ids.length, 'a channel appears twice in this level')
    .meta({ uniqueItems: true }),
});

export const EscalationPolicyInputSchema = z.strictObject({
  name: trimmedText(1, 200),
  key: resourceKeyField,
  description: z.string().max(2000).default(''),
  /** How many more times the whole chain runs when nobody acknowledges it; then the incident is exhausted. */
  repeat: z.int().min(0).max(9).default(0),
  levels: z.array(EscalationLevelSchema).min(1).max(10),
});
export type EscalationPolicyInput = z.infer<typeof EscalationPolicyInputSchema>;

/** A policy as an incident captured it: levels with their channels' ids, names and kinds (never their secrets). */
export interface PolicySnapshot {
  id: string;
  name: string;
  /** The policy's version when captured; a later change applies to new incidents only. */
  version: number;
  repeat: number;
  levels: { timeoutSeconds: number; channels: { id: string; name: string; kind: ChannelKind }[] }[];
}
