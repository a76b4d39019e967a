import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createNotificationActivities } from '../../src/activities/notifications';
import { Mailer } from '../../src/activities/notifications/email';
import { AddressGuard } from '../../src/activities/probes/address-guard';
import { insertChannel } from '../../src/db/escalation';
import type { ChannelInput } from '../../src/domain/escalation';
import { NOTIFICATION_RETRY, type Notification, type NotificationKind } from '../../src/domain/incident';
import { newId } from '../../src/ids';
import { testSecrets } from '../support/codec';
import { notificationAbout, openIncident } from '../support/incidents';
import { useStack } from '../support/stack';
import { NTFY_TOKEN, OPSGENIE_KEY, startVendorFake, TELEGRAM_TOKEN, type VendorFake } from '../support/vendor-fakes';

/**
 * Each vendor's channel against a local fake of its API that checks requests as the vendor does (test/support/
 * vendor-fakes.ts), through the same activity incidents deliver with. The base URL of each is the fake's.
 */
describe('notification channels of other vendors', () => {
  const stack = useStack({ db: true });
  let fake: VendorFake;
  beforeAll(async () => {
    fake = await startVendorFake();
    stack.onStop(() => fake.close());
  });
  const activities = () =>
    createNotificationActivities({
      pool: stack.db.pool,
      guard: new AddressGuard(['127.0.0.0/8']),
      mailer: new Mailer({ from: 'Vigil tests <vigil@test.invalid>' }),
      secrets: testSecrets,
    });
  let n = 0;

  /** A channel and an incident; `send(kind)` delivers one notification of that kind about it, as attempt `attempt`. */
  async function arrange(input: ChannelInput) {
    const channel = await insertChannel(stack.db.prisma, testSecrets, newId('chn'), input);
    const incident = await openIncident(stack.db.pool, 'VND', ++n);
    let seq = 0;
    const notification = (kind: NotificationKind): Notification => notificationAbout(incident, channel.id, kind, ++seq);
    const deliver = (n: Notification, attempt = 1) =>
      new MockActivityEnvironment({ attempt, retryPolicy: { maximumAttempts: NOTIFICATION_RETRY.attempts } }).run(() =>
        activities().deliverNotification({ channel: { id: channel.id, name: channel.name, kind: channel.kind }, notification: n }),
      );
    return { incidentId: incident.incidentId, notification, deliver, send: (kind: NotificationKind) => deliver(notification(kind)) };
  }
  const last = (vendor: Parameters<VendorFake['accepted']>[0]) => fake.accepted(vendor).at(-1)!;
  const lastJson = (vendor: Parameters<VendorFake['accepted']>[0]) => JSON.parse(last(vendor).body);

  it("PagerDuty: triggers, acknowledges and resolves one PagerDuty incident keyed by Vigil's, however often it is paged", async () => {
    const pd = await arrange({ kind: 'pagerduty', name: 'pd', routingKey: 'a'.repeat(32), severity: 'critical', baseUrl: fake.url });
    await pd.send('triggered');
    expect(fake.pagerDutyIncidents.get(pd.incidentId)).toEqual({ status: 'triggered', events: 1 });
    expect(lastJson('pagerduty')).toMatchObject({
      routing_key: 'a'.repeat(32),
      event_action: 'trigger',
      dedup_key: pd.incidentId,
      payload: { summary: `[Vigil] shop is down (${pd.incidentId})`, source: 'shop', severity: 'critical' },
    });
    await pd.send('escalated');
    await pd.send('acknowledged');
    expect(fake.pagerDutyIncidents.get(pd.incidentId)).toEqual({ status: 'acknowledged', events: 3 });
    await pd.send('resolved');
    expect(fake.pagerDutyIncidents.get(pd.incidentId)?.status).toBe('resolved');
    expect(fake.pagerDutyIncidents.size).toBe(1);
    expect(fake.requests.filter((r) => r.vendor === 'pagerduty' && r.refusal)).toEqual([]);
  });

  it('Opsgenie: creates an alert aliased by the incident, de-duplicated when paged again, acknowledged and closed by alias', async () => {
    const og = await arrange({ kind: 'opsgenie', name: 'og', apiKey: OPSGENIE_KEY, priority: 'P2', baseUrl: fake.url });
    await og.send('triggered');
    expect(lastJson('opsgenie')).toMatchObject({ alias: og.incidentId, priority: 'P2', message: `[Vigil] shop is down (${og.incidentId})` });
    expect(last('opsgenie').headers.authorization).toBe(`GenieKey ${OPSGENIE_KEY}`);
    await og.send('escalated');
    expect(fake.opsgenieAlerts.get(og.incidentId)).toEqual({ status: 'open', acknowledged: false, count: 2 });
    await og.send('acknowledged');
    expect(last('opsgenie').path).toBe(`/v2/alerts/${og.incidentId}/acknowledge?identifierType=alias`);
    expect(lastJson('opsgenie')).toMatchObject({ user: 'alice', source: 'Vigil' });
    await og.send('resolved');
    expect(fake.opsgenieAlerts.get(og.incidentId)).toEqual({ status: 'closed', acknowledged: true, count: 2 });
  });

  it('Opsgenie: a wrong API key is refused for good, not retried', async () => {
    const og = await arrange({ kind: 'opsgenie', name: 'og-bad', apiKey: '00000000-0000-0000-0000-000000000000', priority: 'P1', baseUrl: fake.url });
    await expect(og.send('triggered')).rejects.toMatchObject({ type: 'DeliveryRefused', nonRetryable: true });
  });

  it('Microsoft Teams: posts a message with one Adaptive Card', async () => {
    const teams = await arrange({ kind: 'teams', name: 'teams', url: `${fake.url}/teams/workflows/abc?sig=secret` });
    await teams.send('triggered');
    const card = lastJson('teams').attachments[0].content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: `[Vigil] shop is down (${teams.incidentId})`, color: 'attention' });
    expect(card.body[1].text).toContain('Reason: 2 consecutive failed probes');
  });

  it('Discord: posts an embed with mentions off, and waits as long as its 429 says before the next attempt', async () => {
    const discord = await arrange({ kind: 'discord', name: 'discord', url: `${fake.url}/api/webhooks/1/token` });
    fake.throttleNext('discord', 30);
    const failure = await discord.send('triggered').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'DeliveryFailed', nonRetryable: false });
    expect(Number((failure as ApplicationFailure).nextRetryDelay)).toBe(30_000);
    await discord.send('resolved');
    const body = lastJson('discord');
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds[0]).toMatchObject({ title: `[Vigil] shop incident resolved (${discord.incidentId})`, color: 0x1a7f37 });
  });

  it("Telegram: sends a message to the chat, and honours flood control's retry_after in the answer's body", async () => {
    const telegram = await arrange({ kind: 'telegram', name: 'tg', botToken: TELEGRAM_TOKEN, chatId: '-1001234567890', baseUrl: fake.url });
    fake.throttleNext('telegram', 7);
    await expect(telegram.send('triggered')).rejects.toMatchObject({ nextRetryDelay: 7_000 });
    await telegram.send('triggered');
    expect(last('telegram').path).toBe(`/bot${TELEGRAM_TOKEN}/sendMessage`);
    expect(lastJson('telegram')).toMatchObject({ chat_id: '-1001234567890', text: expect.stringContaining('Reason: 2 consecutive failed probes') });
  });

  it('ntfy: publishes to the topic at urgent priority, with the access token of a protected topic', async () => {
    const ntfy = await arrange({ kind: 'ntfy', name: 'ntfy', topic: 'protected-ops', accessToken: NTFY_TOKEN, baseUrl: fake.url });
    await ntfy.send('triggered');
    expect(lastJson('ntfy')).toMatchObject({ topic: 'protected-ops', priority: 5, tags: ['rotating_light'] });
    const open = await arrange({ kind: 'ntfy', name: 'no token', topic: 'protected-ops', baseUrl: fake.url });
    await expect(open.send('triggered')).rejects.toMatchObject({ type: 'DeliveryRefused' });
  });

  it('Pushover: posts the form its API takes, at high priority for an outage', async () => {
    const pushover = await arrange({ kind: 'pushover', name: 'po', token: 'a'.repeat(30), user: 'u'.repeat(30), baseUrl: fake.url });
    await pushover.send('triggered');
    const form = Object.fromEntries(new URLSearchParams(last('pushover').body));
    expect(form).toMatchObject({ token: 'a'.repeat(30), user: 'u'.repeat(30), priority: '1', title: `[Vigil] shop is down (${pushover.incidentId})` });
  });

  it('Mattermost (and Rocket.Chat): posts text and a Slack-compatible attachment', async () => {
    const mm = await arrange({ kind: 'mattermost', name: 'mm', url: `${fake.url}/hooks/xyz` });
    await mm.send('triggered');
    const body = lastJson('mattermost');
    expect(body.text).toBe(`**[Vigil] shop is down (${mm.incidentId})**`);
    expect(body.attachments[0]).toMatchObject({ color: '#d1242f', text: expect.stringContaining('Reason: 2 consecutive failed probes') });
  });
});
