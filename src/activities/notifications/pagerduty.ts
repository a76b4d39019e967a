import type { ChannelConfigOf } from '../../domain/escalation';
import type { Notification } from '../../domain/incident';
import { post, type Sending } from './http';
import { lines, title } from './render';

export const PAGERDUTY_BASE_URL = 'https://events.pagerduty.com';

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`). The dedup_key is the Vigil incident's id, so PagerDuty's incident
 * follows Vigil's: every page of it (triggered, escalated, reopened) is one PagerDuty incident, acknowledged and
 * resolved when Vigil's is. That key is also PagerDuty's idempotency: a retried trigger adds nothing.
 */
export function pagerDutyEvent(config: ChannelConfigOf<'pagerduty'>, n: Notification) {
  const common = { routing_key: config.routingKey, dedup_key: n.incident.id };
  if (n.kind === 'resolved') return { ...common, event_action: 'resolve' };
  if (n.kind === 'acknowledged') return { ...common, event_action: 'acknowledge' };
  const i = n.incident;
  return {
    ...common,
    event_action: 'trigger',
    client: 'Vigil',
    payload: {
      summary: title(n).slice(0, 1024),
      source: i.targetName,
      severity: config.severity,
      timestamp: new Date(n.at).toISOString(),
      component: i.targetId,
      class: n.kind,
      custom_details: { reason: i.reason, openedAt: i.openedAt, state: i.state, details: lines(n).join('\n') },
    },
  };
}

export async function sendPagerDuty(config: ChannelConfigOf<'pagerduty'>, n: Notification, via: Sending): Promise<void> {
  await post(`${config.baseUrl ?? PAGERDUTY_BASE_URL}/v2/enqueue`, JSON.stringify(pagerDutyEvent(config, n)), {}, via);
}
