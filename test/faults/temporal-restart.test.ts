import { Client, Connection } from '@temporalio/client';
import path from 'node:path';
import { incidentWorkflowId, targetWorkflowId } from '../../src/ids';
import { startDevServer, type DevServer } from '../../src/stack/temporal-dev-server';
import { testDataConverter } from '../support/codec';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { readTestEnv } from '../support/env';
import { eventually } from '../support/eventually';
import { startFakeTarget, type FakeTarget } from '../support/fake-target';
import { call, duplicateViolations, projectionViolations, slotGridViolations, slotRows } from '../support/faults';
import { freePort } from '../../src/stack/ports';
import { startVigilProcess, type VigilProcess } from '../support/process';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * The embedded Temporal dev server (state in its SQLite file, as `npm run up` runs it) restarted under a running
 * Vigil: first stopped gracefully, then killed with -9. The worker and the API (real processes) reconnect by
 * themselves; every target keeps its one row per slot (slots no one could probe while Temporal was away are recorded
 * as missed), and the incident workflow is still there to take a responder's actions.
 */
const INTERVAL_MS = 1_000;
const ADMIN_KEY = 'temporal-restart-admin-key-0123456789abcdefgh';

describe('a restart of the Temporal dev server', () => {
  let db: TestDatabase;
  let site: FakeTarget;
  let down: FakeTarget;
  let receiver: WebhookReceiver;
  let server: DevServer;
  let serverOptions: Parameters<typeof startDevServer>[0];
  let connection: Connection;
  let client: Client;
  let api: VigilProcess;
  let worker: VigilProcess;
  let apiUrl: string;
  const targets: string[] = [];
  let incidentId: string;

  beforeAll(async () => {
    const { cli, runDir } = readTestEnv();
    const dataDir = path.join(runDir, `temporal-restart-${process.pid}`);
    [db, site, down, receiver] = await Promise.all([createTestDatabase(), startFakeTarget(), startFakeTarget({ status: 503 }), startWebhookReceiver()]);
    serverOptions = { cli, dataDir, port: await freePort(), uiPort: await freePort(), logFile: path.join(dataDir, 'temporal.log') };
    server = await startDevServer(serverOptions);
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection, dataConverter: testDataConverter });
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const env = {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: server.address,
      VIGIL_PROBE_ALLOW_CIDRS: '127.0.0.0/8',
      VIGIL_MIN_INTERVAL_SECONDS: '1',
      VIGIL_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      API_PORT: String(apiPort),
    };
    [api, worker] = [startVigilProcess('api', env), startVigilProcess('worker', env)];
    await Promise.all([api.waitFor(/api listening/, 120_000), worker.waitFor(/worker started/, 120_000)]);
  }, 300_000);
  afterAll(async () => {
    await api?.stop('SIGTERM');
    await worker?.stop('SIGTERM');
    await connection?.close();
    await server?.stop();
    await Promise.all([site?.close(), down?.close(), receiver?.close()]);
    await db?.drop();
  }, 120_000);

  const post = (p: string, body: unknown) => call(`${apiUrl}${p}`, { method: 'POST', key: ADMIN_KEY, body });

  async function restart(how: 'SIGTERM' | 'SIGKILL'): Promise<number> {
    if (how === 'SIGTERM') await server.stop();
    else {
      server.process.kill('SIGKILL');
      await new Promise((resolve) => server.process.once('exit', resolve));
    }
    server = await startDevServer(serverOptions);
    return Date.now();
  }

  /** Every target is probed again after `since`, and its rows are whole. */
  async function carriesOn(since: number) {
    await eventually(
      async () => {
        for (const id of targets)
          expect(`${id} ${(await slotRows(db.pool, id)).some((r) => r.outcome === 'up' && r.ms > since + INTERVAL_MS)}`).toBe(`${id} true`);
      },
      120_000,
      500,
    );
    for (const id of [...targets, incidentId]) {
      const workflowId = id.startsWith('inc_') ? incidentWorkflowId(id) : targetWorkflowId(id);
      expect(`${workflowId} ${(await client.workflow.getHandle(workflowId).describe()).status.name}`).toBe(`${workflowId} RUNNING`);
    }
    expect(await slotGridViolations(db.pool, targets, INTERVAL_MS)).toEqual([]);
  }

  it('keeps every target probing and the incident open, across a graceful restart', async () => {
    const hook = await post('/v1/channels', { kind: 'webhook', name: 'hook', url: `${receiver.url}/hook` });
    const policy = await post('/v1/escalation-policies', { name: 'p', levels: [{ timeoutSeconds: 3600, channelIds: [hook.body!.id] }] });
    for (const name of ['a', 'b', 'c']) targets.push(String((await post('/v1/targets', { name, url: `${site.url}/${name}`, intervalSeconds: 1 })).body!.id));
    const failing = await post('/v1/targets', { name: 'failing', url: down.url, intervalSeconds: 1, downAfter: 1, escalationPolicyId: policy.body!.id });
    expect(failing.status).toBe(201);
    incidentId = await eventually(
      async () => {
        const { rows } = await db.pool.query<{ id: string }>(`SELECT id FROM incidents WHERE state = 'triggered'`);
        expect(rows).toHaveLength(1);
        return rows[0]!.id;
      },
      60_000,
      250,
    );
    await eventually(() => expect(receiver.accepted('/hook')).toHaveLength(1), 60_000, 250);
    await eventually(
      async () => {
        for (const id of targets) expect((await slotRows(db.pool, id)).length).toBeGreaterThanOrEqual(3);
      },
      60_000,
      250,
    );

    const restarted = await restart('SIGTERM');
    await carriesOn(restarted);
    const acknowledged = await post(`/v1/incidents/${incidentId}/acknowledge`, {});
    expect([acknowledged.status, acknowledged.body?.state]).toEqual([200, 'acknowledged']);
  }, 300_000);

  it('and across kill -9 of the server: nothing is lost from its SQLite file', async () => {
    const restarted = await restart('SIGKILL');
    await carriesOn(restarted);
    const resolved = await post(`/v1/incidents/${incidentId}/resolve`, { note: 'after the kill' });
    expect([resolved.status, resolved.body?.state]).toEqual([200, 'resolved']);
    // A new target, on the restarted server.
    const late = await post('/v1/targets', { name: 'late', url: `${site.url}/late`, intervalSeconds: 1 });
    expect(late.status).toBe(201);
    targets.push(String(late.body!.id));
    await carriesOn(Date.now());
    // The first page went out once, before the restarts; nothing was sent twice.
    await eventually(() => expect(receiver.accepted('/hook').map((a) => a.body.type)).toEqual(['incident.triggered', 'incident.resolved']), 60_000, 250);
    expect(await projectionViolations(db.pool, targets)).toEqual([]);
    expect(await duplicateViolations(db.pool)).toEqual([]);
  }, 300_000);
});
