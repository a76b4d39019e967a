import type { ChannelConfig } from '../../domain/escalation';
import type { ContactMethod } from '../../domain/users';
import type { Notification } from '../../domain/incident';
import { sendDiscord } from './discord';
import type { Mailer } from './email';
import type { Sending } from './http';
import { sendMattermost } from './mattermost';
import { sendNtfy } from './ntfy';
import { sendOpsgenie } from './opsgenie';
import { sendPagerDuty } from './pagerduty';
import { sendPushover } from './pushover';
import { sendSlack } from './slack';
import { sendTeams } from './teams';
import { sendTelegram } from './telegram';
import { sendWebhook } from './webhook';

/**
 * One attempt to send a notification to a person's contact method. A webhook contact method has no signing secret
 * (users hold none), so its requests are not signed; Slack mentions the member when the method names one.
 */
export async function sendToContactMethod(method: ContactMethod, n: Notification, via: Sending & { mailer: Mailer }): Promise<void> {
  switch (method.kind) {
    case 'email':
      return via.mailer.send({ addresses: [method.address] }, n);
    case 'slack':
      return sendSlack({ url: method.url, ...(method.slackUserId ? { mention: method.slackUserId } : {}) }, n, via);
    case 'webhook':
      return sendWebhook({ url: method.url }, n, via);
  }
}

/** One attempt to send a notification to a channel, by its kind; a DeliveryError says whether another may succeed. */
export async function sendNotification(config: ChannelConfig, n: Notification, via: Sending & { mailer: Mailer }): Promise<void> {
  switch (config.kind) {
    case 'webhook':
      return sendWebhook(config, n, via);
    case 'slack':
      return sendSlack(config, n, via);
    case 'email':
      return via.mailer.send(config, n);
    case 'pagerduty':
      return sendPagerDuty(config, n, via);
    case 'opsgenie':
      return sendOpsgenie(config, n, via);
    case 'teams':
      return sendTeams(config, n, via);
    case 'discord':
      return sendDiscord(config, n, via);
    case 'telegram':
      return sendTelegram(config, n, via);
    case 'ntfy':
      return sendNtfy(config, n, via);
    case 'pushover':
      return sendPushover(config, n, via);
    case 'mattermost':
      return sendMattermost(config, n, via);
  }
}
