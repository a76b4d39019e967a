import type { ChannelConfigOf } from '../../domain/escalation';
import type { Notification } from '../../domain/incident';
import { post, type Sending } from './http';
import { lines, title, toneOf } from './render';

const ADAPTIVE_COLOURS = { down: 'attention', acknowledged: 'warning', resolved: 'good' } as const;

/**
 * Microsoft Teams: a message with one Adaptive Card (schema 1.4), the shape both a Workflows "When a Teams webhook
 * request is received" flow and the older incoming-webhook connectors take. Teams has no idempotency key; the
 * delivery id is on the card, so a duplicate is recognisable.
 */
export function teamsMessage(n: Notification) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: title(n), weight: 'Bolder', size: 'Medium', wrap: true, color: ADAPTIVE_COLOURS[toneOf(n)] },
            { type: 'TextBlock', text: lines(n).join('\n\n'), wrap: true },
            { type: 'TextBlock', text: `delivery ${n.deliveryId}`, isSubtle: true, size: 'Small', wrap: true },
          ],
        },
      },
    ],
  };
}

export async function sendTeams(config: ChannelConfigOf<'teams'>, n: Notification, via: Sending): Promise<void> {
  await post(config.url, JSON.stringify(teamsMessage(n)), {}, via);
}
