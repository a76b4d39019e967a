/**
 * The kinds of notification channel. Apart from their schemas (escalation.ts), so that the incident machine, which
 * workflows run, reads them without bundling a validation library.
 */
export const CHANNEL_KINDS = ['webhook', 'slack', 'email', 'pagerduty', 'opsgenie', 'teams', 'discord', 'telegram', 'ntfy', 'pushover', 'mattermost'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/**
 * Kinds that keep an incident of their own, keyed by Vigil's: besides pages and the resolution, they hear of its
 * acknowledgement, so that theirs stops escalating too. Chat, e-mail and push channels are not told: nobody needs a
 * message saying that someone took it.
 */
export const CHANNEL_KINDS_MIRRORING_STATE: readonly ChannelKind[] = ['pagerduty', 'opsgenie'];
