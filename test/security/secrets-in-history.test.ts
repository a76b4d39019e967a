import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { targetWorkflowId } from '../../src/ids';
import { startDevServer } from '../../src/stack/temporal-dev-server';
import { testDataConverter } from '../support/codec';
import { readTestEnv } from '../support/env';
import { eventually } from '../support/eventually';
import { freePort } from '../../src/stack/ports';
import { useStack } from '../support/stack';

const run = promisify(execFile);

/**
 * Secrets a target or a channel carries, sent through the whole path: the API starts and updates the target's workflow
 * with them, the worker probes with them, the target goes down, an incident pages a webhook and a Slack channel.
 * Then every history Temporal holds is read raw: none of them may appear, anywhere. Read through the codec (the Temporal
 * CLI against the API's codec endpoint), the probe's secrets are there: the histories do carry them, encrypted.
 */
const SECRETS = {
  authorization: 'Bearer probe-header-secret-0001',
  apiKeyHeader: 'probe-header-secret-0002',
  urlToken: 'url-token-secret-0003',
  body: 'probe-body-secret-0004',
  patched: 'patched-header-secret-0005',
  signing: `whsec_${Buffer.from('webhook-signing-secret-0006').toString('base64')}`,
  slackPath: 'slack-url-secret-0007',
};
/** What the target's own workflow history carries (the channels' settings stay in Postgres). */
const IN_TARGET_HISTORY = [SECRETS.authorization, SECRETS.apiKeyHeader, SECRETS.urlToken, SECRETS.body, SECRETS.patched];

/** Every payload of a history the CLI printed as JSON, its metadata and data decoded from base64, as one text. */
function payloadTexts(json: string): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const { metadata, data } = node as { metadata?: Record<string, string>; data?: string };
    if (metadata && typeof metadata === 'object') {
      for (const value of Object.values(metadata)) texts.push(Buffer.from(String(value), 'base64').toString('utf8'));
      if (typeof data === 'string') texts.push(Buffer.from(data, 'base64').toString('utf8'));
    }
    Object.values(node).forEach(walk);
  };
  walk(JSON.parse(json));
  return texts.join('\n');
}

describe('secrets never appear in clear in Temporal', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true, webhooks: true });
  let targetId: string;
  /** A target with the same secrets and a short history, for the CLI, which decodes each event with a request. */
  let quietId: string;

  beforeAll(async () => {
    const api = stack.api.request();
    const hook = await api
      .post('/v1/channels')
      .send({ kind: 'webhook', name: 'hook', url: `${stack.webhooks.url}/hook`, signingSecret: SECRETS.signing })
      .expect(201);
    const slack = await api
      .post('/v1/channels')
      .send({ kind: 'slack', name: 'chat', url: `${stack.webhooks.url}/services/T0/B0/${SECRETS.slackPath}` })
      .expect(201);
    const policy = await api
      .post('/v1/escalation-policies')
      .send({ name: 'on-call', levels: [{ timeoutSeconds: 3600, channelIds: [hook.body.id, slack.body.id] }] })
      .expect(201);
    stack.site.behave({ status: 500 });
    const created = await api
      .post('/v1/targets')
      .send({
        name: 'payments',
        url: `${stack.site.url}/health?token=${SECRETS.urlToken}`,
        method: 'POST',
        body: SECRETS.body,
        headers: { Authorization: SECRETS.authorization, 'X-Api-Key': SECRETS.apiKeyHeader },
        intervalSeconds: 3600,
        downAfter: 1,
        escalationPolicyId: policy.body.id,
      })
      .expect(201);
    targetId = created.body.id;
    const quiet = await api
      .post('/v1/targets')
      .send({
        name: 'quiet',
        url: `${stack.site.url}/health?token=${SECRETS.urlToken}`,
        method: 'POST',
        body: SECRETS.body,
        headers: { Authorization: SECRETS.authorization, 'X-Api-Key': SECRETS.apiKeyHeader },
        intervalSeconds: 3600,
      })
      .expect(201);
    quietId = quiet.body.id;
    // An update carries the spec too, with a new secret.
    for (const id of [targetId, quietId]) {
      await api
        .patch(`/v1/targets/${id}`)
        .send({ headers: { Authorization: SECRETS.authorization, 'X-Api-Key': SECRETS.patched } })
        .expect(200);
    }
    await stack.api.request().post(`/v1/targets/${targetId}/check`).expect(200);
    await eventually(() => {
      expect(stack.webhooks.accepted('/hook')).toHaveLength(1);
      expect(stack.webhooks.accepted(`/services/T0/B0/${SECRETS.slackPath}`)).toHaveLength(1);
    }, 60_000);
    expect(stack.site.hits.length).toBeGreaterThan(0);
  });

  /** Every history in the namespace, as the bytes Temporal stores and serves. */
  async function rawHistories(): Promise<Map<string, Buffer>> {
    const { workflowService } = stack.temporal.client;
    const { executions } = await workflowService.listWorkflowExecutions({ namespace: 'default', pageSize: 1000 });
    const histories = new Map<string, Buffer>();
    for (const e of executions) {
      const { history } = await workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: e.execution, maximumPageSize: 10_000 });
      histories.set(`${e.type?.name} ${e.execution?.workflowId}`, Buffer.from(temporal.api.history.v1.History.encode(history!).finish()));
    }
    return histories;
  }

  it('in no history: target, incident, notification, maintenance workflows alike', async () => {
    const histories = await rawHistories();
    expect([...histories.keys()].some((k) => k.startsWith('targetWorkflow'))).toBe(true);
    expect([...histories.keys()].some((k) => k.startsWith('incidentWorkflow'))).toBe(true);
    const found: string[] = [];
    for (const [name, bytes] of histories) {
      for (const [what, secret] of Object.entries(SECRETS)) {
        if (bytes.includes(Buffer.from(secret)) || bytes.includes(Buffer.from(secret).toString('base64'))) found.push(`${what} in ${name}`);
      }
      // Nor the target's URL, name or anything else of its configuration.
      if (bytes.includes(Buffer.from(stack.site.url))) found.push(`the target URL in ${name}`);
    }
    expect(found).toEqual([]);
  });

  it('but read through the codec endpoint, as the Temporal CLI does, the target`s history holds them', async () => {
    const { cli } = readTestEnv();
    const show = (...codec: string[]) =>
      run(
        cli,
        [
          'workflow',
          'show',
          '--address',
          stack.temporal.address,
          '--namespace',
          'default',
          '--workflow-id',
          targetWorkflowId(quietId),
          '--output',
          'json',
          ...codec,
        ],
        {
          maxBuffer: 64 << 20,
        },
      ).then((r) => r.stdout);
    const decoded = payloadTexts(await show('--codec-endpoint', `${stack.api.url}/v1/codec`, '--codec-auth', `Bearer ${stack.api.adminKey}`));
    for (const secret of IN_TARGET_HISTORY) expect(decoded).toContain(secret);
    const encrypted = payloadTexts(await show());
    for (const secret of IN_TARGET_HISTORY) expect(encrypted).not.toContain(secret);
    expect(encrypted).toContain('binary/encrypted');
    // A viewer's key decodes nothing.
    const viewer = await stack.api.createKey('viewer');
    await expect(show('--codec-endpoint', `${stack.api.url}/v1/codec`, '--codec-auth', `Bearer ${viewer}`)).rejects.toThrow();
  });

  it('encrypted histories replay with the codec (and not without it); histories from before the codec still replay', async () => {
    const { bundlePath } = readTestEnv();
    const history = await stack.temporal.client.workflow.getHandle(targetWorkflowId(targetId)).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath }, dataConverter: testDataConverter }, history, 'encrypted');
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath } }, history, 'encrypted, no codec')).rejects.toThrow();
    const fixtures = path.join(__dirname, '..', 'fixtures', 'histories');
    for (const file of fs.readdirSync(fixtures).filter((f) => f.endsWith('.json'))) {
      const recorded = JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath }, dataConverter: testDataConverter }, recorded, file);
    }
  });
});

describe('the dev server`s Web UI', () => {
  it('is pointed at the API`s codec endpoint', async () => {
    const { cli, runDir } = readTestEnv();
    const dataDir = path.join(runDir, `ui-codec-${process.pid}`);
    const [port, uiPort] = [await freePort(), await freePort()];
    const endpoint = 'http://127.0.0.1:3000/v1/codec';
    const server = await startDevServer({ cli, dataDir, port, uiPort, logFile: path.join(dataDir, 'temporal.log'), uiCodecEndpoint: endpoint });
    try {
      const settings = await eventually(
        async () => {
          const res = await fetch(`${server.uiUrl}/api/v1/settings`);
          expect(res.status).toBe(200);
          return (await res.json()) as { Codec?: { Endpoint?: string } };
        },
        30_000,
        250,
      );
      expect(settings.Codec?.Endpoint).toBe(endpoint);
    } finally {
      await server.stop();
    }
  });
});
