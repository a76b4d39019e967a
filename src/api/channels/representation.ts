import { z } from 'zod';
import type { StoredChannel } from '../../db/escalation';

const timestamp = z.iso.datetime({ offset: true });

/**
 * A channel as the API shows it. A webhook's signing secret is shown whole only in the answer to its creation (or to
 * a change that sets a new one); afterwards only its last characters, to tell secrets apart.
 */
export function channelRepresentation(channel: StoredChannel, { revealSecret = false } = {}) {
  const { config } = channel;
  const settings =
    config.kind === 'webhook'
      ? { url: config.url, ...(revealSecret ? { signingSecret: config.signingSecret } : {}), signingSecretHint: `…${config.signingSecret.slice(-4)}` }
      : config.kind === 'slack'
        ? { url: config.url }
        : { addresses: config.addresses };
  return { id: channel.id, key: channel.key, name: channel.name, kind: channel.kind, ...settings, createdAt: channel.createdAt, updatedAt: channel.updatedAt };
}

export const ChannelSchema = z
  .object({
    id: z.string().meta({ description: 'chn_ and a ULID' }),
    key: z.string().nullable().meta({ description: 'The stable name configuration files give it; null without one' }),
    name: z.string(),
    kind: z.enum(['webhook', 'slack', 'email']),
    url: z.string().optional().meta({ description: 'webhook and slack' }),
    signingSecret: z.string().optional().meta({ description: 'webhook: in the answer to its creation or to a change that set it, only' }),
    signingSecretHint: z.string().optional().meta({ description: 'webhook: the last characters of its signing secret' }),
    addresses: z.array(z.string()).optional().meta({ description: 'email' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ description: 'Where notifications go. Webhooks are signed (see the README: "Notifications").' });
