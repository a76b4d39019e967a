import { z } from 'zod';
import { channelId, ChannelInputSchema } from '../../domain/escalation';
import type { ApiDeps } from '../deps';
import type { Operation } from '../operations';
import { pageSchema } from '../pagination';
import { createChannel, deleteChannel, getChannel, ListChannelsQuery, listChannelsHandler, replaceChannelHandler, testChannel } from './handlers';
import { ChannelSchema, ChannelTestResultSchema } from './representation';

const ChannelPath = z.object({ id: channelId.meta({ description: 'The channel id, chn_…' }) });
const channel = { description: 'The channel', body: ChannelSchema };

/** Channels hold webhook URLs and secrets: admins alone read and change them. */
export function channelRoutes(deps: ApiDeps): Operation[] {
  const tag = 'Channels';
  return [
    {
      method: 'post',
      path: '/v1/channels',
      tag,
      access: 'admin',
      summary: 'Create a notification channel',
      description:
        'A signed webhook (`url`, optional `signingSecret` in Standard Webhooks form, made for you when left out), a Slack ' +
        'incoming webhook (`url`), e-mail (`addresses`), PagerDuty Events API v2 (`routingKey`), Opsgenie (`apiKey`), ' +
        'Microsoft Teams (`url` of a Workflows webhook), Discord (`url`), Telegram (`botToken`, `chatId`), ntfy (`topic`, ' +
        'optional `accessToken`), Pushover (`token`, `user`) or Mattermost / Rocket.Chat (`url`); `baseUrl` points a ' +
        "vendor's kind at a self-hosted server. Secrets are stored encrypted and shown whole only in this answer.",
      body: ChannelInputSchema,
      responses: { 201: { description: 'Created', body: ChannelSchema, headers: { Location: 'The channel URL' } } },
      handler: createChannel(deps),
    },
    {
      method: 'get',
      path: '/v1/channels',
      tag,
      access: 'admin',
      summary: 'List notification channels',
      description: 'Newest first, with cursor pagination.',
      query: ListChannelsQuery,
      responses: { 200: { description: 'A page of channels', body: pageSchema(ChannelSchema), headers: { Link: 'rel="next": the next page' } } },
      handler: listChannelsHandler(deps),
    },
    {
      method: 'get',
      path: '/v1/channels/:id',
      tag,
      access: 'admin',
      summary: 'Get a notification channel',
      params: ChannelPath,
      responses: { 200: channel },
      handler: getChannel(deps),
    },
    {
      method: 'put',
      path: '/v1/channels/:id',
      tag,
      access: 'admin',
      summary: 'Replace a notification channel',
      description:
        'Replaces the whole channel, its secrets written again (they are never shown back), but for a webhook written without `signingSecret`, which keeps its own. ' +
        'Applies to deliveries from now on, open incidents included.',
      params: ChannelPath,
      body: ChannelInputSchema,
      responses: { 200: channel },
      handler: replaceChannelHandler(deps),
    },
    {
      method: 'post',
      path: '/v1/channels/:id/test',
      tag,
      access: 'admin',
      // It sends a message and changes no configuration.
      audit: false,
      summary: 'Send a test notification',
      description:
        'Sends a test message to the channel now, once (PagerDuty and Opsgenie: a test alert, resolved at once), and answers ' +
        "how it went: `delivered`, or the receiver's error. Needs a worker: it is sent from one, as incidents' notifications are.",
      params: ChannelPath,
      responses: { 200: { description: 'The outcome', body: ChannelTestResultSchema } },
      handler: testChannel(deps),
    },
    {
      method: 'delete',
      path: '/v1/channels/:id',
      tag,
      access: 'admin',
      summary: 'Delete a notification channel',
      description: 'Refused (409) while an escalation policy uses it. Its past deliveries stay on their incidents.',
      params: ChannelPath,
      responses: { 204: { description: 'Deleted' } },
      handler: deleteChannel(deps),
    },
  ];
}
