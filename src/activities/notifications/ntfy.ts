import type { ChannelConfigOf } from '../../domain/escalation';
import type { Notification } from '../../domain/incident';
import { post, type Sending } from './http';
import { lines, title, toneOf } from './render';

export const NTFY_BASE_URL = 'https://ntfy.sh';

const PRIORITY = { down: 5, acknowledged: 3, resolved: 3 } as const;
const TAGS = { down: ['rotating_light'], acknowledged: ['eyes'], resolved: ['white_check_mark'] } as const;

/**
 * ntfy's JSON publishing (`POST` to the server's root, the topic in the body), to ntfy.sh or a self-hosted server.
 * An outage is priority 5 (urgent: a long vibration burst); acknowledgement and recovery are the default 3.
 */
export function ntfyMessage(config: ChannelConfigOf<'ntfy'>, n: Notification) {
  const tone = toneOf(n);
  return { topic: config.topic, title: title(n), message: lines(n).join('\n'), priority: PRIORITY[tone], tags: TAGS[tone] };
}

export async function sendNtfy(config: ChannelConfigOf<'ntfy'>, n: Notification, via: Sending): Promise<void> {
  const auth: Record<string, string> = config.accessToken ? { authorization: `Bearer ${config.accessToken}` } : {};
  await post(config.baseUrl ?? NTFY_BASE_URL, JSON.stringify(ntfyMessage(config, n)), auth, via);
}
