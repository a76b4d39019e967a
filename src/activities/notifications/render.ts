import type { Notification, NotificationKind } from '../../domain/incident';

const HEADLINES: Record<NotificationKind, string> = {
  triggered: 'is down',
  escalated: 'is down (escalated)',
  renotified: 'is still down (snooze ended)',
  reopened: 'is down again (incident reopened)',
  acknowledged: 'incident acknowledged',
  test: 'test notification: this channel works',
  resolved: 'incident resolved',
};

/** The one-line title every channel uses, plain ASCII for mail subjects and filters: `[Vigil] shop is down (inc_…)`. */
export const title = (n: Notification): string => `[Vigil] ${n.incident.targetName} ${HEADLINES[n.kind]} (${n.incident.id})`;

/** The human-readable lines of a notification, for chat and e-mail. */
export function lines(n: Notification): string[] {
  const i = n.incident;
  return [
    `Target: ${i.targetName} (${i.targetId})`,
    `Reason: ${i.reason}`,
    `Opened: ${i.openedAt}`,
    `State: ${i.state}`,
    ...(i.policyName && i.level !== undefined ? [`Escalation: ${i.policyName}, level ${i.level}, round ${i.round}`] : []),
    ...(i.acknowledgedBy ? [`Acknowledged by: ${i.acknowledgedBy}`] : []),
    ...(i.resolvedBy ? [`Resolved by: ${i.resolvedBy}`] : []),
    ...(toneOf(n) === 'down' ? [`Acknowledge: POST /v1/incidents/${i.id}/acknowledge`] : []),
  ];
}

/** Where the incident stands as far as a notification tells: what chat cards colour and push services prioritise by. */
export type Tone = 'down' | 'acknowledged' | 'resolved';
export const toneOf = (n: Notification): Tone =>
  n.kind === 'resolved' || n.kind === 'test' ? 'resolved' : n.kind === 'acknowledged' ? 'acknowledged' : 'down';

/** Red, amber, green: the colours chat cards show a notification's tone with. */
export const TONE_COLOURS: Record<Tone, string> = { down: '#d1242f', acknowledged: '#bf8700', resolved: '#1a7f37' };
