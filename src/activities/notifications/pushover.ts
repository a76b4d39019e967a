import type { ChannelConfigOf } from '../../domain/escalation';
import type { Notification } from '../../domain/incident';
import { post, type Sending } from './http';
import { lines, title, toneOf } from './render';

export const PUSHOVER_BASE_URL = 'https://api.pushover.net';

/** High priority (1) for an outage: it bypasses quiet hours; the default (0) otherwise. */
const PRIORITY = { down: '1', acknowledged: '0', resolved: '0' } as const;

/**
 * Pushover's Message API (`POST /1/messages.json`), form-encoded as its documentation shows. Pushover has no
 * idempotency key; it answers 429 when the application is over its monthly limit.
 */
export function pushoverForm(config: ChannelConfigOf<'pushover'>, n: Notification): Record<string, string> {
  return {
    token: config.token,
    user: config.user,
    ...(config.device ? { device: config.device } : {}),
    title: title(n).slice(0, 250),
    message: lines(n).join('\n').slice(0, 1024),
    priority: PRIORITY[toneOf(n)],
    timestamp: String(Math.floor(n.at / 1000)),
  };
}

export async function sendPushover(config: ChannelConfigOf<'pushover'>, n: Notification, via: Sending): Promise<void> {
  const body = new URLSearchParams(pushoverForm(config, n)).toString();
  await post(`${config.baseUrl ?? PUSHOVER_BASE_URL}/1/messages.json`, body, { 'content-type': 'application/x-www-form-urlencoded' }, via);
}
