import { Client as PgClient } from 'pg';
import { targetWorkflowId } from '../../src/ids';
import { eventually } from '../support/eventually';
import { call, duplicateViolations, slotRows } from '../support/faults';
import { freePort } from '../../src/stack/ports';
import { startVigilProcess, type VigilProcess } from '../support/process';
import { useStack } from '../support/stack';

/**
 * kill -9 of the API process in the middle of creating a target, then the client's retry with the same
 * Idempotency-Key against a fresh API process: one target, one workflow, whatever the moment of the kill. The moment
 * is made certain by holding a lock the API needs next: on `targets` (the workflow has been started, the answer not
 * yet given) or on `api_keys` (nothing has happened yet).
 */
const ADMIN_KEY = 'api-kill-test-admin-key-0123456789abcdefghij';

describe('kill -9 of the API during a create, and a retry with the same Idempotency-Key', () => {
  const stack = useStack({ temporal: 'local', worker: true, site: true });
  let port: number;
  let api: VigilProcess | undefined;

  beforeAll(async () => {
    port = await freePort();
  });

  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const startApi = async () => {
    const started = startVigilProcess('api', {
      DATABASE_URL: stack.db.url,
      TEMPORAL_ADDRESS: stack.temporal.address,
      VIGIL_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      API_PORT: String(port),
      VIGIL_MIN_INTERVAL_SECONDS: '1',
    });
    api = started;
    stack.onStop(() => started.stop('SIGTERM'));
    await started.waitFor(/api listening/, 120_000);
  };
  const targetWorkflows = () => stack.temporal.client.workflow.count(`WorkflowType = 'targetWorkflow'`).then((c) => c.count);
  const create = (name: string, key: string) =>
    call(url('/v1/targets'), { method: 'POST', key: ADMIN_KEY, headers: { 'Idempotency-Key': key }, body: { name, url: stack.site.url, intervalSeconds: 1 } });

  /** Retries as a client should: after a 409 for a key still claimed, as long as Retry-After says (bounded). */
  async function retryUntilAnswered(name: string, key: string): Promise<Awaited<ReturnType<typeof create>>> {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const res = await create(name, key);
      if (res.status !== 409 || Date.now() > deadline) return res;
      expect(res.body?.type).toBe('https://vigil.dev/problems/idempotency-key-in-use');
      await new Promise((r) => setTimeout(r, Math.min(10, Number(res.headers.get('retry-after') ?? 1)) * 1000));
    }
  }

  /** Holds `LOCK TABLE <table>` in a transaction until released. */
  async function lock(table: string, mode: string) {
    const client = new PgClient({ connectionString: stack.db.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
    return {
      release: async () => {
        await client.query('ROLLBACK');
        await client.end();
      },
    };
  }
  const waitingOnLocks = async () => Number((await stack.db.pool.query('SELECT count(*) FROM pg_locks WHERE NOT granted')).rows[0].count);

  async function expectOneTarget(name: string, id: string, workflowsBefore: number) {
    const { rows } = await stack.db.pool.query<{ id: string }>('SELECT id FROM targets WHERE name = $1', [name]);
    expect(rows).toEqual([{ id }]);
    await eventually(async () => expect(await targetWorkflows()).toBe(workflowsBefore + 1), 30_000, 500);
    expect((await stack.temporal.client.workflow.getHandle(targetWorkflowId(id)).describe()).status.name).toBe('RUNNING');
    await eventually(async () => expect((await slotRows(stack.db.pool, id)).length).toBeGreaterThanOrEqual(2), 60_000, 500);
  }

  it('killed after the workflow started and before it answered: the retry finds that workflow, one target', async () => {
    await startApi();
    const before = await targetWorkflows();
    const held = await lock('targets', 'SHARE ROW EXCLUSIVE');
    const first = create('after-start', 'key-after-start').then(
      (r) => `answered ${r.status}`,
      () => 'no answer',
    );
    // The workflow is started; the API now waits for the lock to write the target's row.
    await eventually(async () => expect(await targetWorkflows()).toBe(before + 1), 60_000, 100);
    await eventually(async () => expect(await waitingOnLocks()).toBeGreaterThan(0), 10_000, 50);
    await api!.kill();
    expect(await first).toBe('no answer');
    await held.release();

    await startApi();
    const retried = await retryUntilAnswered('after-start', 'key-after-start');
    expect(retried.status).toBe(201);
    const id = String(retried.body!.id);
    // Once answered, the answer is replayed.
    const again = await create('after-start', 'key-after-start');
    expect([again.status, again.body!.id, again.headers.get('idempotent-replayed')]).toEqual([201, id, 'true']);
    await expectOneTarget('after-start', id, before);
  }, 420_000);

  it('killed before it did anything: the retry runs at once, one target', async () => {
    await api?.stop('SIGTERM');
    await startApi();
    const before = await targetWorkflows();
    const held = await lock('api_keys', 'ACCESS EXCLUSIVE');
    const first = create('before-anything', 'key-before-anything').then(
      (r) => `answered ${r.status}`,
      () => 'no answer',
    );
    await eventually(async () => expect(await waitingOnLocks()).toBeGreaterThan(0), 10_000, 50);
    await api!.kill();
    expect(await first).toBe('no answer');
    await held.release();

    await startApi();
    const retried = await create('before-anything', 'key-before-anything');
    expect(retried.status).toBe(201);
    await expectOneTarget('before-anything', String(retried.body!.id), before);
    expect(await duplicateViolations(stack.db.pool)).toEqual([]);
  }, 300_000);
});
