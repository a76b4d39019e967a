import os from 'node:os';
import { targetWorkflowId } from '../../src/ids';
import { statusQuery } from '../../src/contracts/target';
import { eventually } from '../support/eventually';
import { call, duplicateViolations, projectionViolations, slotGridViolations, slotRows } from '../support/faults';
import { freePort } from '../../src/stack/ports';
import { startVigilProcess, type VigilProcess } from '../support/process';
import { useStack } from '../support/stack';

/**
 * Two workers and two API instances, real processes, on one database and one Temporal, driven at once: creates
 * through both, the same Idempotency-Key sent to both at the same moment, competing PATCHes of one target through
 * both, checks through both. No row is duplicated, lost or corrupted: one target per key, one winner per version,
 * one result per slot whichever worker probed it, and every projection agrees with what it projects.
 */
const INTERVAL_MS = 1_000;
const ADMIN_KEY = 'scale-out-admin-key-0123456789abcdefghijklmn';

describe('two workers and two API instances on the same data', () => {
  const stack = useStack({ temporal: 'local', db: true, site: true });
  const apis: { url: string; process: VigilProcess }[] = [];
  const workers: VigilProcess[] = [];

  beforeAll(async () => {
    const common = {
      DATABASE_URL: stack.db.url,
      TEMPORAL_ADDRESS: stack.temporal.address,
      VIGIL_PROBE_ALLOW_CIDRS: '127.0.0.0/8',
      VIGIL_MIN_INTERVAL_SECONDS: '1',
      VIGIL_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      apis.push({ url: `http://127.0.0.1:${port}`, process: startVigilProcess('api', { ...common, API_PORT: String(port) }) });
      workers.push(startVigilProcess('worker', common));
    }
    stack.onStop(() => Promise.all([...apis.map((a) => a.process.stop('SIGTERM')), ...workers.map((w) => w.stop('SIGTERM'))]));
    // All four start (and migrate) at once.
    await Promise.all([...apis.map((a) => a.process.waitFor(/api listening/, 180_000)), ...workers.map((w) => w.waitFor(/worker started/, 180_000))]);
  }, 300_000);

  const via = (i: number, path: string, init: Parameters<typeof call>[1] = {}) => call(`${apis[i % 2]!.url}${path}`, { key: ADMIN_KEY, ...init });

  /** The 503s and 409s the APIs answered along the way: a loaded machine may ask a client to come back. */
  const comeBack: string[] = [];
  /** Retries as a client should, after Retry-After (bounded): a 503, or a 409 for a key still in use when `inUse`. */
  async function untilAnswered(send: () => ReturnType<typeof call>, inUse = true): ReturnType<typeof call> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const res = await send();
      const again = res.status === 503 || (inUse && res.body?.type === 'https://vigil.dev/problems/idempotency-key-in-use');
      if (!again || Date.now() > deadline) return res;
      comeBack.push(`${res.status} ${String(res.body?.type)}`);
      await new Promise((r) => setTimeout(r, Math.min(5, Number(res.headers.get('retry-after') ?? 1)) * 1000));
    }
  }

  it('duplicates, loses and corrupts nothing', async () => {
    // Creates through both APIs at once (each with its key, so a retried one cannot create a second target).
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        untilAnswered(() =>
          via(i, '/v1/targets', {
            method: 'POST',
            headers: { 'Idempotency-Key': `create-${i}` },
            body: { name: `t${i}`, url: `${stack.site.url}/${i}`, intervalSeconds: 1 },
          }),
        ),
      ),
    );
    expect(created.map((c) => c.status)).toEqual(new Array(12).fill(201));
    const targets = created.map((c) => String(c.body!.id));

    // The same Idempotency-Key to both APIs at the same moment: one runs, the other is told the key is in use (or
    // to come back); once both are answered they hold the same target, one of them as a replay.
    for (let k = 0; k < 6; k++) {
      const send = (i: number) =>
        via(i, '/v1/targets', {
          method: 'POST',
          headers: { 'Idempotency-Key': `both-${k}` },
          body: { name: `same-${k}`, url: `${stack.site.url}/same/${k}`, intervalSeconds: 1 },
        });
      const answers = await Promise.all([send(0), send(1)]);
      for (const a of answers) expect([201, 409, 503]).toContain(a.status);
      const final = await Promise.all(answers.map((a, i) => (a.status === 201 ? a : untilAnswered(() => send(i)))));
      expect(final.map((a) => a.status)).toEqual([201, 201]);
      expect(final[0]!.body!.id).toBe(final[1]!.body!.id);
      expect(final.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(1);
      targets.push(String(final[0]!.body!.id));
    }
    const { rows: same } = await stack.db.pool.query<{ name: string; n: number }>(
      `SELECT name, count(*)::int AS n FROM targets WHERE name LIKE 'same-%' GROUP BY 1 ORDER BY 1`,
    );
    expect(same).toEqual(Array.from({ length: 6 }, (_, k) => ({ name: `same-${k}`, n: 1 })));

    // Competing changes of one target at the version both read: exactly one is applied (version 2, not 3), and a
    // caller told 200 is the one whose change is stored; the other is told of the conflict.
    const contested = targets[0]!;
    const patches = await Promise.all(
      [0, 1].map((i) =>
        untilAnswered(
          () => via(i, `/v1/targets/${contested}`, { method: 'PATCH', headers: { 'If-Match': '"1"' }, body: { name: `renamed by api ${i}` } }),
          false,
        ),
      ),
    );
    const { rows: stored } = await stack.db.pool.query<{ name: string; config_version: number; spec: { name: string } }>(
      'SELECT name, config_version, spec FROM targets WHERE id = $1',
      [contested],
    );
    expect(stored).toEqual([
      { name: expect.stringMatching(/^renamed by api [01]$/), config_version: 2, spec: expect.objectContaining({ name: stored[0]?.name }) },
    ]);
    const winners = patches.filter((p) => p.status === 200);
    expect(winners.map((w) => w.body!.name)).toEqual(winners.length ? [stored[0]!.name] : []);
    expect(patches.filter((p) => p.status !== 200).map((p) => p.status)).toEqual(new Array(2 - winners.length).fill(409));

    // Checks through both at once: each is its own (manual) result.
    const checks = await Promise.all([0, 1].map((i) => untilAnswered(() => via(i, `/v1/targets/${targets[1]}/check`, { method: 'POST' }), false)));
    expect(checks.map((c) => c.status)).toEqual([200, 200]);

    // Both workers take part: probe windows are held by each.
    const identities = workers.map((w) => `${w.child.pid}@${os.hostname()}`);
    const holders = new Set<string>();
    await eventually(
      async () => {
        for (const id of targets) {
          const { raw } = await stack.temporal.client.workflow.getHandle(targetWorkflowId(id)).describe();
          const holder = raw.pendingActivities?.[0]?.lastWorkerIdentity;
          if (holder) holders.add(holder);
        }
        expect([...holders].sort()).toEqual([...identities].sort());
      },
      120_000,
      1_000,
    );

    // Let both run a while, then read everything back.
    const since = Date.now();
    await eventually(
      async () => {
        for (const id of targets) expect((await slotRows(stack.db.pool, id)).filter((r) => r.ms > since + 5 * INTERVAL_MS).length).toBeGreaterThan(0);
      },
      120_000,
      1_000,
    );

    expect(await slotGridViolations(stack.db.pool, targets, INTERVAL_MS)).toEqual([]);
    expect(await projectionViolations(stack.db.pool, targets)).toEqual([]);
    expect(await duplicateViolations(stack.db.pool)).toEqual([]);
    // Every target's row holds the configuration version its workflow holds.
    for (const id of targets) {
      const view = await stack.temporal.client.workflow.getHandle(targetWorkflowId(id)).query(statusQuery);
      const { rows } = await stack.db.pool.query<{ config_version: number; name: string }>('SELECT config_version, name FROM targets WHERE id = $1', [id]);
      expect(rows).toEqual([{ config_version: view.version, name: view.spec.name }]);
    }
    const { rows: all } = await stack.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM targets');
    expect(all[0]!.n).toBe(targets.length);
    // For docs/reliability.md: what this run saw.
    console.log(JSON.stringify({ targets: targets.length, probeHolders: holders.size, comeBack }));
  }, 600_000);
});
