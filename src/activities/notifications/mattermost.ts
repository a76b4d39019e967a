import type { ChannelConfigOf } from '../../domain/escalation';
import type { Notification } from '../../domain/incident';
import { post, type Sending } from './http';
import { lines, title, TONE_COLOURS, toneOf } from './render';

/**
 * Mattermost's incoming webhook, whose Slack-compatible payload Rocket.Chat's incoming webhooks take too: `text` and a
 * legacy Slack attachment, which both render (neither renders Slack's blocks, which the slack kind sends). Neither has
 * idempotency; the delivery id is in the attachment's footer.
 */
export function mattermostMessage(n: Notification) {
  const heading = title(n);
  return {
    text: `**${heading}**`,
    attachments: [{ fallback: heading, color: TONE_COLOURS[toneOf(n)], text: lines(n).join('\n'), footer: `delivery ${n.deliveryId}` }],
  };
}

export async function sendMattermost(config: ChannelConfigOf<'mattermost'>, n: Notification, via: Sending): Promise<void> {
  await post(config.url, JSON.stringify(mattermostMessage(n)), {}, via);
}
