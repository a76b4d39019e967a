import { createHmac } from 'node:crypto';
import type { Notification } from '../../domain/incident';
import { post, type Sending } from './http';

/**
 * Generic webhooks, signed the Standard Webhooks way (https://www.standardwebhooks.com), so any of its libraries
 * verifies them:
 *
 * - `webhook-id`: the delivery id, the same on every attempt; also sent as `Idempotency-Key`.
 * - `webhook-timestamp`: this attempt's time, Unix seconds. Receivers refuse one far from their clock (5 minutes is
 *   usual), so a captured request cannot be replayed later.
 * - `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`, keyed with
 *   the bytes the channel's secret encodes (`whsec_<base64>`). The id and time are signed with the body, so neither
 *   can be swapped.
 *
 * The body, fixed when the incident workflow decided the notification (identical on every attempt):
 * `{ "type": "incident.<kind>", "timestamp": "<ISO>", "data": { "incident": { … } } }`.
 */
export function webhookBody(n: Notification): string {
  return JSON.stringify({ type: `incident.${n.kind}`, timestamp: new Date(n.at).toISOString(), data: { incident: n.incident } });
}

export function signature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** Unsigned without a secret: a person's webhook contact method has none. */
export async function sendWebhook(config: { url: string; signingSecret?: string }, n: Notification, via: Sending): Promise<void> {
  const body = webhookBody(n);
  const timestamp = Math.floor(Date.now() / 1000);
  await post(
    config.url,
    body,
    {
      'idempotency-key': n.deliveryId,
      'webhook-id': n.deliveryId,
      'webhook-timestamp': String(timestamp),
      ...(config.signingSecret ? { 'webhook-signature': signature(config.signingSecret, n.deliveryId, timestamp, body) } : {}),
    },
    via,
  );
}
