import type { Notification } from '../../domain/incident';
import { post, type Sending } from './http';
import { lines, title } from './render';

/**
 * Slack incoming-webhook payload: `text` (what notifications and clients without blocks show) and blocks. Discord's
 * `/slack` endpoint takes the same shape; Mattermost and Rocket.Chat show only the `text` of it, so they have a kind of
 * their own (mattermost.ts). Slack has no idempotency of its own; the
 * Idempotency-Key header is sent anyway for proxies and compatible receivers that honour it.
 */
export function slackPayload(n: Notification, mention?: string): { text: string; blocks: unknown[] } {
  const heading = title(n);
  return {
    // A mention in the text is what makes Slack notify that member (a person paged through their own contact method).
    text: mention ? `<@${mention}> ${heading}` : heading,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: heading.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: lines(n).join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `delivery ${n.deliveryId}` }] },
    ],
  };
}

export async function sendSlack(config: { url: string; mention?: string }, n: Notification, via: Sending): Promise<void> {
  await post(config.url, JSON.stringify(slackPayload(n, config.mention)), { 'idempotency-key': n.deliveryId }, via);
}
