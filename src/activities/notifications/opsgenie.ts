import type { ChannelConfigOf } from '../../domain/escalation';
import type { Notification } from '../../domain/incident';
import { post, type Sending } from './http';
import { lines, title } from './render';

export const OPSGENIE_BASE_URL = 'https://api.opsgenie.com';

/**
 * Opsgenie Alert API v2: an alert per Vigil incident, its alias the incident id. Opsgenie de-duplicates an open
 * alert's alias (a retried or repeated create counts up, creates nothing), and acknowledges and closes by alias, so
 * its alert follows Vigil's incident.
 */
export function opsgenieRequest(config: ChannelConfigOf<'opsgenie'>, n: Notification): { path: string; body: unknown } {
  const i = n.incident;
  const alias = encodeURIComponent(i.id);
  const note = lines(n).join('\n');
  if (n.kind === 'resolved') return { path: `/v2/alerts/${alias}/close?identifierType=alias`, body: { source: 'Vigil', user: i.resolvedBy ?? 'Vigil', note } };
  if (n.kind === 'acknowledged') {
    return { path: `/v2/alerts/${alias}/acknowledge?identifierType=alias`, body: { source: 'Vigil', user: i.acknowledgedBy ?? 'Vigil', note } };
  }
  return {
    path: '/v2/alerts',
    body: {
      message: title(n).slice(0, 130),
      alias: i.id,
      description: note.slice(0, 15_000),
      entity: i.targetName,
      source: 'Vigil',
      priority: config.priority,
      tags: ['vigil', n.kind],
      details: { targetId: i.targetId, reason: i.reason, openedAt: i.openedAt },
    },
  };
}

export async function sendOpsgenie(config: ChannelConfigOf<'opsgenie'>, n: Notification, via: Sending): Promise<void> {
  const { path, body } = opsgenieRequest(config, n);
  await post(`${config.baseUrl ?? OPSGENIE_BASE_URL}${path}`, JSON.stringify(body), { authorization: `GenieKey ${config.apiKey}` }, via);
}
