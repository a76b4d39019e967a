import type { ChannelConfigOf } from '../../domain/escalation';
import type { Notification } from '../../domain/incident';
import { post, type Sending } from './http';
import { lines, title, TONE_COLOURS, toneOf } from './render';

/**
 * Discord's execute-webhook endpoint: an embed coloured by the incident's state, mentions turned off (a target's name
 * cannot ping @everyone). Discord rate-limits per webhook with 429 and Retry-After (http.ts honours it); it has no
 * idempotency for webhooks, so the delivery id is in the footer.
 */
export function discordMessage(n: Notification) {
  return {
    username: 'Vigil',
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: title(n).slice(0, 256),
        description: lines(n).join('\n').slice(0, 4096),
        color: Number.parseInt(TONE_COLOURS[toneOf(n)].slice(1), 16),
        timestamp: new Date(n.at).toISOString(),
        footer: { text: `delivery ${n.deliveryId}` },
      },
    ],
  };
}

export async function sendDiscord(config: ChannelConfigOf<'discord'>, n: Notification, via: Sending): Promise<void> {
  await post(config.url, JSON.stringify(discordMessage(n)), {}, via);
}
