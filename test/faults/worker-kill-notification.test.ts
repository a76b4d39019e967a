import { eventually } from '../support/eventually';
import { duplicateViolations } from '../support/faults';
import { useStack } from '../support/stack';

/**
 * kill -9 of the worker in the middle of a notification, at both moments that matter: while the receiver holds the
 * request open (the delivery's outcome is unknown), and the instant the receiver has accepted it (delivered, but the
 * worker may die before recording so). The escalation carries on under a restarted worker, and each escalation step
 * reaches its channel exactly once by its Idempotency-Key, however many attempts it took; each step has one
 * delivery row, delivered.
 */
const LEVEL_TIMEOUT_S = 60;
/** A delivery attempt's start-to-close timeout (src/workflows/incident.ts) plus a busy machine's slack. */
const ATTEMPT_LOST_MS = 60_000 + 60_000;

describe('kill -9 of the worker in the middle of a notification', () => {
  const stack = useStack({ temporal: 'local', api: true, site: { status: 500 }, webhooks: true });

  const requestsTo = (path: string) => stack.webhooks.requests.filter((r) => r.path === path);

  it('delivers each escalation step exactly once (by Idempotency-Key) across two kills', async () => {
    stack.webhooks.behave('/level-1', 'hang');
    const [l1, l2] = [
      await stack.api
        .request()
        .post('/v1/channels')
        .send({ kind: 'webhook', name: 'level 1', url: `${stack.webhooks.url}/level-1` })
        .expect(201),
      await stack.api
        .request()
        .post('/v1/channels')
        .send({ kind: 'webhook', name: 'level 2', url: `${stack.webhooks.url}/level-2` })
        .expect(201),
    ];
    const policy = await stack.api
      .request()
      .post('/v1/escalation-policies')
      .send({
        name: 'on-call',
        levels: [
          { timeoutSeconds: LEVEL_TIMEOUT_S, channelIds: [l1.body.id] },
          { timeoutSeconds: LEVEL_TIMEOUT_S, channelIds: [l2.body.id] },
        ],
      })
      .expect(201);

    let worker = await stack.startWorkerProcess();
    await stack.api
      .request()
      .post('/v1/targets')
      .send({ name: 'down', url: stack.site.url, intervalSeconds: 2, downAfter: 1, escalationPolicyId: policy.body.id })
      .expect(201);

    // First kill: the level-1 webhook is open, its outcome unknown to anyone.
    await eventually(() => expect(requestsTo('/level-1')).toHaveLength(1), 120_000, 100);
    await worker.kill();
    stack.webhooks.behave('/level-1', 'ok');
    worker = await stack.startWorkerProcess();
    // The attempt that died times out, and its retry delivers, with the same key.
    await eventually(() => expect(stack.webhooks.accepted('/level-1')).toHaveLength(1), ATTEMPT_LOST_MS + 60_000, 250);

    // Second kill: the moment level 2's webhook has been accepted, before the worker may record it.
    await eventually(() => expect(requestsTo('/level-2').length).toBeGreaterThanOrEqual(1), (LEVEL_TIMEOUT_S + 90) * 1000, 5);
    await worker.kill();
    await stack.startWorkerProcess();

    // The policy runs out (level 2's timeout passes with nobody acknowledging): the incident is exhausted.
    const incident = await eventually(
      async () => {
        const { rows } = await stack.db.pool.query<{ id: string; state: string }>(`SELECT id, state FROM incidents`);
        expect(rows).toEqual([{ id: expect.any(String), state: 'exhausted' }]);
        return rows[0]!;
      },
      LEVEL_TIMEOUT_S * 1000 + ATTEMPT_LOST_MS + 60_000,
      500,
    );
    // Every delivery has settled.
    const deliveries = await eventually(
      async () => {
        const { rows } = await stack.db.pool.query<{ id: string; channel_id: string; kind: string; status: string; attempts: number }>(
          `SELECT id, channel_id, kind, status, attempts FROM notification_deliveries WHERE incident_id = $1 ORDER BY created_at`,
          [incident.id],
        );
        expect(rows.map((r) => r.status)).toEqual(['delivered', 'delivered']);
        return rows;
      },
      ATTEMPT_LOST_MS,
      500,
    );

    // One delivery row per escalation step ...
    expect(deliveries.map((d) => [d.channel_id, d.kind])).toEqual([
      [l1.body.id, 'triggered'],
      [l2.body.id, 'escalated'],
    ]);
    expect(deliveries[0]!.attempts).toBeGreaterThanOrEqual(2);
    // ... and one notification each as the receiver sees it: every request to a level carried that step's key.
    for (const [path, delivery] of [
      ['/level-1', deliveries[0]!],
      ['/level-2', deliveries[1]!],
    ] as const) {
      expect(stack.webhooks.accepted(path).map((a) => a.key)).toEqual([delivery.id]);
      expect(new Set(requestsTo(path).map((r) => r.headers['idempotency-key']))).toEqual(new Set([delivery.id]));
    }
    expect(requestsTo('/level-1').length).toBeGreaterThanOrEqual(2);
    expect(await duplicateViolations(stack.db.pool)).toEqual([]);
    // For docs/reliability.md: what this run saw.
    console.log(
      JSON.stringify({
        requests: { level1: requestsTo('/level-1').length, level2: requestsTo('/level-2').length },
        attempts: deliveries.map((d) => d.attempts),
      }),
    );
  }, 900_000);
});
