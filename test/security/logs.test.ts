import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../../src/log';
import { eventually } from '../support/eventually';
import { freePort } from '../../src/stack/ports';
import { startVigilProcess, type VigilProcess } from '../support/process';
import { useStack } from '../support/stack';

/** Lines a logger wrote, parsed. */
function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('the logger redacts what may carry secrets', () => {
  it('headers, probe settings, channel settings, passwords, Postgres row details and ping tokens', () => {
    const out = capture();
    const log = createLogger('test', 'info', out.stream);
    log.info({ headers: { authorization: 'Bearer s3cret-1', accept: 'json' } }, 'a request');
    log.info({ req: { headers: { authorization: 'Bearer s3cret-2', cookie: 's3cret-3' } } }, 'nested');
    log.info({ spec: { name: 'shop', probe: { kind: 'http', url: 'https://shop.example', headers: { 'x-api-key': 's3cret-4' } } } }, 'a spec');
    log.info({ channel: { config: { url: 'https://hooks.slack.com/services/s3cret-5', signingSecret: 'x' }, secret: 's3cret-6' } }, 'a channel');
    log.info({ mail: { smtpUrl: 'smtp://u:s3cret-7@relay' }, password: 's3cret-8' }, 'settings');
    log.error(
      {
        err: Object.assign(new Error('null value in column "config"'), {
          code: '23502',
          detail: 'Failing row contains (chn_1, hook, {"signingSecret": "s3cret-9"})',
        }),
      },
      'db',
    );
    log.error({ url: '/v1/ping/s3cret-10/fail?x=1', method: 'POST' }, 'unhandled error');
    const text = out.text();
    expect(text).not.toMatch(/s3cret/);
    // What is not secret stays, so the lines still say what happened.
    expect(text).toContain('"accept":"json"');
    expect(text).toContain('"url":"https://shop.example"');
    expect(text).toContain('"code":"23502"');
    expect(text).toContain('"url":"/v1/ping/[Redacted]/fail?x=1"');
    expect(text.trim().split('\n')).toHaveLength(7);
  });
});

/**
 * The real API and worker processes at their most verbose, with a target whose probes carry secrets and fail, and
 * channels whose deliveries fail (a webhook that errors, a Slack URL that refuses, an SMTP relay that refuses the
 * login): whatever they log about it, no secret is in it.
 */
describe('the API and worker processes log no secrets', () => {
  const SECRETS = [
    'probe-auth-secret-71',
    'probe-key-secret-72',
    'url-token-secret-73',
    'slack-path-secret-74',
    'smtp-password-secret-75',
    `whsec_${Buffer.from('webhook-signing-secret-0076-xyz').toString('base64')}`,
  ];
  const ADMIN_KEY = 'logs-test-admin-key-0123456789abcdefghij';
  const stack = useStack({ temporal: 'local', db: true, site: { status: 500 }, webhooks: true });
  let smtpLogins = 0;
  let api: VigilProcess;
  let worker: VigilProcess;
  let apiUrl: string;

  beforeAll(async () => {
    // An SMTP relay that asks for a login, so that the worker sends its password (a secret), and refuses it.
    const smtp = new SMTPServer({
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (_auth, _session, callback) => {
        smtpLogins++;
        callback(new Error('authentication refused'));
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    stack.onStop(() => new Promise((resolve) => smtp.close(() => resolve(undefined))));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: stack.db.url,
      TEMPORAL_ADDRESS: stack.temporal.address,
      VIGIL_PROBE_ALLOW_CIDRS: '127.0.0.0/8',
      VIGIL_MIN_INTERVAL_SECONDS: '1',
      VIGIL_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      VIGIL_SMTP_URL: `smtp://vigil:${SECRETS[4]}@127.0.0.1:${smtpPort}`,
      API_PORT: String(port),
      LOG_LEVEL: 'trace',
    };
    [api, worker] = [startVigilProcess('api', env), startVigilProcess('worker', env)];
    stack.onStop(() => worker.stop('SIGTERM'));
    stack.onStop(() => api.stop('SIGTERM'));
    await Promise.all([api.waitFor(/api listening/, 120_000), worker.waitFor(/worker started/, 120_000)]);
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
  };

  it('through failing probes and failing deliveries of every kind', async () => {
    stack.webhooks.behave('/hook', 'fail');
    stack.webhooks.behave(`/services/T/B/${SECRETS[3]}`, 'reject');
    const hook = await call('POST', '/v1/channels', { kind: 'webhook', name: 'hook', url: `${stack.webhooks.url}/hook`, signingSecret: SECRETS[5] });
    const slack = await call('POST', '/v1/channels', { kind: 'slack', name: 'chat', url: `${stack.webhooks.url}/services/T/B/${SECRETS[3]}` });
    const email = await call('POST', '/v1/channels', { kind: 'email', name: 'mail', addresses: ['oncall@example.com'] });
    expect([hook.status, slack.status, email.status]).toEqual([201, 201, 201]);
    const policy = await call('POST', '/v1/escalation-policies', {
      name: 'p',
      levels: [{ timeoutSeconds: 3600, channelIds: [hook.body.id, slack.body.id, email.body.id] }],
    });
    expect(policy.status).toBe(201);
    const target = await call('POST', '/v1/targets', {
      name: 'logged',
      url: `${stack.site.url}/health?token=${SECRETS[2]}`,
      headers: { Authorization: `Bearer ${SECRETS[0]}`, 'X-Api-Key': SECRETS[1] },
      intervalSeconds: 2,
      downAfter: 1,
      escalationPolicyId: policy.body.id,
    });
    expect(target.status).toBe(201);
    // Bad requests carrying secrets, too.
    expect(
      (
        await call('POST', '/v1/targets', {
          name: 'bad',
          url: `${stack.site.url}/?token=${SECRETS[2]}`,
          headers: { Authorization: SECRETS[0] },
          intervalSeconds: 0,
        })
      ).status,
    ).toBe(400);
    expect((await fetch(`${apiUrl}/v1/targets`, { headers: { authorization: `Bearer ${SECRETS[0]}` } })).status).toBe(401);

    // Every delivery was attempted and failed; the webhook's retries go on.
    await eventually(
      () => {
        expect(stack.webhooks.requests.filter((r) => r.path === '/hook').length).toBeGreaterThanOrEqual(2);
        expect(stack.webhooks.requests.some((r) => r.path.includes(SECRETS[3]!))).toBe(true);
        expect(smtpLogins).toBeGreaterThanOrEqual(1);
      },
      90_000,
      250,
    );
    await eventually(
      async () => {
        const { rows } = await stack.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification_deliveries WHERE last_error IS NOT NULL`);
        expect(rows[0]!.n).toBe(3);
      },
      30_000,
      250,
    );

    const output = `${api.output()}\n${worker.output()}`;
    // The failures were logged (so this looked where secrets would be) ...
    expect(worker.output()).toMatch(/notification not delivered|Activity failed|DeliveryFailed|DeliveryRefused/);
    // ... and no secret with them.
    expect(SECRETS.filter((s) => output.includes(s))).toEqual([]);
  }, 180_000);
});
