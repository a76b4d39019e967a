import { z } from 'zod';
import type { StoredChannel } from '../../db/escalation';
import { CHANNEL_KINDS, CHANNEL_SECRET_FIELDS } from '../../domain/escalation';

const timestamp = z.iso.datetime({ offset: true });

/** Enough of a secret to tell two apart, never enough to use: a URL's origin, and the last 4 characters. */
export function secretHint(value: string): string {
  const tail = value.length >= 16 ? value.slice(-4) : '';
  const origin = /^https?:\/\//.test(value) && URL.canParse(value) ? `${new URL(value).origin}/` : '';
  return `${origin}…${tail}`;
}

/**
 * A channel as the API shows it. Its secrets (src/domain/escalation.ts CHANNEL_SECRET_FIELDS: URLs that carry tokens,
 * signing secrets, API keys) are shown whole only in the answer to the request that wrote them (`revealed`); every
 * answer shows `<field>Hint`, to tell secrets apart.
 */
export function channelRepresentation(channel: StoredChannel, { revealed = [] as readonly string[] } = {}) {
  const { kind, ...config } = channel.config;
  const secret: readonly string[] = CHANNEL_SECRET_FIELDS[kind];
  const settings: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(config)) {
    if (!secret.includes(field)) settings[field] = value;
    else if (typeof value === 'string') {
      if (revealed.includes(field)) settings[field] = value;
      settings[`${field}Hint`] = secretHint(value);
    }
  }
  return { id: channel.id, key: channel.key, name: channel.name, kind: channel.kind, ...settings, createdAt: channel.createdAt, updatedAt: channel.updatedAt };
}

export const ChannelSchema = z
  .looseObject({
    id: z.string().meta({ description: 'chn_ and a ULID' }),
    key: z.string().nullable().meta({ description: 'The stable name configuration files give it; null without one' }),
    name: z.string(),
    kind: z.enum(CHANNEL_KINDS),
    url: z.string().optional().meta({ description: 'webhook, slack, teams, discord, mattermost: in the answer that wrote it, only' }),
    urlHint: z.string().optional().meta({ description: "The URL's origin and last characters" }),
    signingSecret: z.string().optional().meta({ description: 'webhook: in the answer to its creation or to a change that set it, only' }),
    signingSecretHint: z.string().optional().meta({ description: 'webhook: the last characters of its signing secret' }),
    addresses: z.array(z.string()).optional().meta({ description: 'email' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({
    description:
      "Where notifications go: the fields above and the other settings of its kind as written (see the create body). Secrets (URLs that carry tokens, signing secrets, API keys) are stored encrypted and shown whole only in the answer that wrote them; afterwards `<field>Hint`. Webhooks are signed (see the README: 'Notifications').",
  });

export const ChannelTestResultSchema = z
  .object({
    delivered: z.boolean(),
    error: z.string().optional().meta({ description: "When not delivered: the receiver's answer (status and the start of its body) or the network error" }),
  })
  .meta({ description: 'How the test notification went: one attempt, not retried.' });
