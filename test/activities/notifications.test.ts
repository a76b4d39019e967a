import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Mailer } from '../../src/activities/notifications/email';
import { createNotificationActivities } from '../../src/activities/notifications';
import { AddressGuard } from '../../src/activities/probes/address-guard';
import { insertChannel } from '../../src/db/escalation';
import { insertUser } from '../../src/db/users';
import type { ChannelInput } from '../../src/domain/escalation';
import { NOTIFICATION_RETRY, retryDelayMs } from '../../src/domain/incident';
import { newId } from '../../src/ids';
import { verifyWebhook } from '../support/webhook-receiver';
import { testSecrets } from '../support/codec';
import { useStack } from '../support/stack';
import { notificationAbout, openIncident } from '../support/incidents';

/** One delivery attempt per activity attempt, against a local receiver and SMTP server, recorded in Postgres. */
describe('deliverNotification', () => {
  const stack = useStack({ db: true, webhooks: true, smtp: true });
  const loopback = new AddressGuard(['127.0.0.0/8']);
  const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  let n = 0;

  const from = 'Vigil <vigil@test.invalid>';
  const activities = (guard = loopback, mailer = new Mailer({ smtpUrl: stack.smtp.url, from })) =>
    createNotificationActivities({ pool: stack.db.pool, guard, mailer, secrets: testSecrets });

  /** A channel, an incident for the delivery to belong to, and a notification to that channel. */
  async function arrange(input: ChannelInput) {
    const channel = await insertChannel(stack.db.prisma, testSecrets, newId('chn'), input);
    const notification = notificationAbout(await openIncident(stack.db.pool, 'ACT', ++n), channel.id, 'triggered');
    return { channel, input: { channel: { id: channel.id, name: channel.name, kind: channel.kind }, notification } };
  }

  const attempt = (number: number, run: () => Promise<void>) =>
    new MockActivityEnvironment({ attempt: number, retryPolicy: { maximumAttempts: NOTIFICATION_RETRY.attempts } }).run(run);

  const delivery = async (id: string) =>
    (await stack.db.pool.query('SELECT status, attempts, last_error, delivered_at FROM notification_deliveries WHERE id = $1', [id])).rows[0];

  it('posts a signed webhook: Standard Webhooks signature over id, timestamp and body, and an Idempotency-Key', async () => {
    const { input } = await arrange({ kind: 'webhook', name: 'ops', url: `${stack.webhooks.url}/signed`, signingSecret: SECRET });
    await attempt(1, () => activities().deliverNotification(input));
    const [request] = stack.webhooks.requests.filter((r) => r.path === '/signed');
    expect(request!.headers['idempotency-key']).toBe(input.notification.deliveryId);
    expect(request!.headers['webhook-id']).toBe(input.notification.deliveryId);
    expect(verifyWebhook(request!, SECRET)).toBe(true);
    expect(verifyWebhook({ ...request!, body: request!.body.replace('shop', 'shoq') }, SECRET)).toBe(false);
    expect(verifyWebhook(request!, SECRET, Date.now() + 10 * 60_000)).toBe(false);
    expect(JSON.parse(request!.body)).toEqual({
      type: 'incident.triggered',
      timestamp: '2026-01-01T00:00:00.000Z',
      data: { incident: input.notification.incident },
    });
    expect(await delivery(input.notification.deliveryId)).toMatchObject({ status: 'delivered', attempts: 1, last_error: null });
  });

  it('when the receiver fails, throws a retryable failure with a jittered delay, records it, and the retry delivers under the same key', async () => {
    stack.webhooks.behave('/flaky', 'fail-first');
    const { input } = await arrange({ kind: 'webhook', name: 'flaky', url: `${stack.webhooks.url}/flaky`, signingSecret: SECRET });
    const failure = await attempt(1, () => activities().deliverNotification(input)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'DeliveryFailed', nonRetryable: false });
    const delay = Number((failure as ApplicationFailure).nextRetryDelay);
    expect(delay).toBeGreaterThanOrEqual(NOTIFICATION_RETRY.initialMs / 2);
    expect(delay).toBeLessThanOrEqual(NOTIFICATION_RETRY.initialMs);
    expect(await delivery(input.notification.deliveryId)).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringMatching(/HTTP 500/) });

    await attempt(2, () => activities().deliverNotification(input));
    const sent = stack.webhooks.requests.filter((r) => r.path === '/flaky');
    expect(sent.map((r) => r.headers['idempotency-key'])).toEqual([input.notification.deliveryId, input.notification.deliveryId]);
    expect(stack.webhooks.accepted('/flaky')).toHaveLength(1);
    expect(await delivery(input.notification.deliveryId)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('does not send again once delivered (an attempt whose completion was lost)', async () => {
    const { input } = await arrange({ kind: 'webhook', name: 'once', url: `${stack.webhooks.url}/once`, signingSecret: SECRET });
    await attempt(1, () => activities().deliverNotification(input));
    await attempt(2, () => activities().deliverNotification(input));
    expect(stack.webhooks.requests.filter((r) => r.path === '/once')).toHaveLength(1);
  });

  it('gives up at once on a 4xx, and after the last attempt on a 5xx, recording the delivery as failed', async () => {
    const { input } = await arrange({ kind: 'webhook', name: 'gone', url: `${stack.webhooks.url}/gone`, signingSecret: SECRET });
    stack.webhooks.behave('/gone', 'fail');
    await expect(attempt(NOTIFICATION_RETRY.attempts, () => activities().deliverNotification(input))).rejects.toMatchObject({ type: 'DeliveryFailed' });
    expect(await delivery(input.notification.deliveryId)).toMatchObject({ status: 'failed', attempts: NOTIFICATION_RETRY.attempts });

    stack.webhooks.behave('/no-such-hook', 'reject');
    const missing = await arrange({ kind: 'slack', name: 'typo', url: `${stack.webhooks.url}/no-such-hook` });
    await expect(attempt(1, () => activities().deliverNotification(missing.input))).rejects.toMatchObject({ type: 'DeliveryRefused', nonRetryable: true });
    expect(await delivery(missing.input.notification.deliveryId)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: expect.stringMatching(/HTTP 404: no such hook/),
    });
  });

  it('ends an attempt 10 s after it began, even when the receiver trickles its answer to keep the connection busy', async () => {
    const trickling = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const drip = setInterval(() => res.write('.'), 1_000);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => trickling.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = trickling.address() as AddressInfo;
      const { input } = await arrange({ kind: 'webhook', name: 'trickle', url: `http://127.0.0.1:${port}/hook`, signingSecret: SECRET });
      const started = Date.now();
      await expect(attempt(1, () => activities().deliverNotification(input))).rejects.toMatchObject({ type: 'DeliveryFailed', nonRetryable: false });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await delivery(input.notification.deliveryId)).toMatchObject({ status: 'pending', last_error: expect.stringMatching(/no answer within 10 s/) });
    } finally {
      trickling.closeAllConnections();
      await new Promise((resolve) => trickling.close(resolve));
    }
  }, 30_000);

  it('refuses private addresses, like probes, unless allow-listed', async () => {
    const { input } = await arrange({ kind: 'webhook', name: 'internal', url: `${stack.webhooks.url}/internal`, signingSecret: SECRET });
    await expect(attempt(1, () => activities(new AddressGuard([])).deliverNotification(input))).rejects.toMatchObject({ type: 'DeliveryRefused' });
    expect(stack.webhooks.requests.filter((r) => r.path === '/internal')).toHaveLength(0);
    expect(await delivery(input.notification.deliveryId)).toMatchObject({
      status: 'failed',
      last_error: expect.stringMatching(/refused to notify 127\.0\.0\.1: loopback/),
    });
  });

  it('posts a Slack incoming-webhook payload', async () => {
    const { input } = await arrange({ kind: 'slack', name: 'chat', url: `${stack.webhooks.url}/slack` });
    await attempt(1, () => activities().deliverNotification(input));
    const body = JSON.parse(stack.webhooks.requests.find((r) => r.path === '/slack')!.body);
    expect(body.text).toBe(`[Vigil] shop is down (${input.notification.incident.id})`);
    expect(body.blocks[1].text.text).toContain('Reason: 2 consecutive failed probes');
  });

  it("delivers to a person's contact methods as they stand: e-mail to their address, Slack mentioning them, an unsigned webhook", async () => {
    const { input } = await arrange({ kind: 'email', name: 'unused', addresses: ['unused@example.com'] });
    const user = await insertUser(stack.db.pool, {
      name: 'Ada',
      email: `ada${n}@example.com`,
      timeZone: 'Europe/Berlin',
      contactMethods: [
        { kind: 'email', name: 'work', address: 'ada@example.com' },
        { kind: 'slack', name: 'chat', url: `${stack.webhooks.url}/ada-slack`, slackUserId: 'U024BE7LH' },
        { kind: 'webhook', name: 'pager', url: `${stack.webhooks.url}/ada-hook` },
      ],
      notificationRules: [],
    });
    const to = (method: string, kind: 'email' | 'slack' | 'webhook') => ({
      contact: { userId: user.id, userName: 'Ada', method, kind },
      notification: { ...input.notification, deliveryId: `${input.notification.deliveryId}-${method}` },
    });
    for (const [method, kind] of [
      ['work', 'email'],
      ['chat', 'slack'],
      ['pager', 'webhook'],
    ] as const)
      await attempt(1, () => activities().deliverNotification(to(method, kind)));
    expect(stack.smtp.messages.at(-1)!.to).toEqual(['ada@example.com']);
    expect(JSON.parse(stack.webhooks.requests.find((r) => r.path === '/ada-slack')!.body).text).toMatch(/^<@U024BE7LH> \[Vigil\] shop is down/);
    const hook = stack.webhooks.requests.find((r) => r.path === '/ada-hook')!;
    expect(hook.headers['webhook-id']).toBe(`${input.notification.deliveryId}-pager`);
    expect(hook.headers['webhook-signature']).toBeUndefined();
    expect(await delivery(`${input.notification.deliveryId}-pager`)).toMatchObject({ status: 'delivered', attempts: 1 });

    // A contact method removed since the page was decided: nothing to send to, so the delivery fails at once.
    await expect(attempt(1, () => activities().deliverNotification(to('gone', 'webhook')))).rejects.toMatchObject({ type: 'DeliveryRefused' });
    expect(await delivery(`${input.notification.deliveryId}-gone`)).toMatchObject({ status: 'failed', last_error: "Ada's contact method gone was deleted" });
  });

  it('sends e-mail over SMTP with a Message-ID derived from the delivery id', async () => {
    const { input } = await arrange({ kind: 'email', name: 'on-call', addresses: ['oncall@example.com', 'lead@example.com'] });
    await attempt(1, () => activities().deliverNotification(input));
    const mail = stack.smtp.messages.at(-1)!;
    const headers = mail.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
    expect(mail.to).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(headers).toMatch(/^Subject: \[Vigil\] shop is down \(inc_/m);
    expect(headers).toContain(`Message-ID: <${input.notification.deliveryId}@vigil>`);
    expect(headers).toContain(`Idempotency-Key: ${input.notification.deliveryId}`);
  });

  it('fails an e-mail at once when the relay refuses it for good, and says so when no relay is configured', async () => {
    const refused = await arrange({ kind: 'email', name: 'refused', addresses: ['nobody@example.com'] });
    stack.smtp.refuseNext(1);
    await expect(attempt(1, () => activities().deliverNotification(refused.input))).rejects.toMatchObject({ type: 'DeliveryRefused' });
    expect(await delivery(refused.input.notification.deliveryId)).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/550/) });

    const unset = await arrange({ kind: 'email', name: 'unset', addresses: ['oncall@example.com'] });
    await expect(attempt(1, () => activities(loopback, new Mailer({ from })).deliverNotification(unset.input))).rejects.toMatchObject({
      type: 'DeliveryRefused',
    });
    expect(await delivery(unset.input.notification.deliveryId)).toMatchObject({ last_error: 'e-mail is not configured: set VIGIL_SMTP_URL' });
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(retryDelayMs(1, 0)).toBe(1_000);
    expect(retryDelayMs(1, 1)).toBe(2_000);
    expect(retryDelayMs(3, 0)).toBe(4_000);
    expect(retryDelayMs(20, 1)).toBe(NOTIFICATION_RETRY.maximumMs);
    expect(retryDelayMs(20, 0)).toBe(NOTIFICATION_RETRY.maximumMs / 2);
  });
});
