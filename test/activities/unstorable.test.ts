import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type Activities } from '../../src/activities';
import { Mailer } from '../../src/activities/notifications/email';
import { AddressGuard } from '../../src/activities/probes/address-guard';
import { CheckResultWriter } from '../../src/db/check-results';
import { createPool } from '../../src/db/pool';
import { initialJudgement } from '../../src/domain/judge';
import { TargetSpecSchema } from '../../src/domain/target';
import { unreachableTemporal } from '../support/api';
import { testSecrets } from '../support/codec';
import type { TestDatabase } from '../support/db';
import { useStack } from '../support/stack';
import { incidentRow } from '../support/incidents';

const activitiesOn = (pool: TestDatabase['pool']): Activities =>
  createActivities({
    pool,
    writer: new CheckResultWriter(pool),
    guard: new AddressGuard(['127.0.0.0/8']),
    temporal: unreachableTemporal(),
    mailer: new Mailer({ from: 'Vigil tests <vigil@test.invalid>' }),
    secrets: testSecrets,
    // Single slots only here: a window would be handed to the runner.
    windows: { runWindow: () => Promise.reject(new Error('no probe windows in these tests')) },
  });

/** What a run of the activity threw: retrying the same input must be left to Temporal only when it may succeed. */
async function failureOf(run: () => Promise<unknown>): Promise<ApplicationFailure | Error> {
  try {
    await new MockActivityEnvironment().run(run);
  } catch (err) {
    return err as Error;
  }
  throw new Error('the activity succeeded');
}

const expectNonRetryable = (err: Error) => {
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ type: 'Unstorable', nonRetryable: true });
  expect(err.message).toMatch(/^Postgres refused the write: .* \(SQLSTATE 22021\)$/);
};

const NUL = 'nul\u0000here';
const spec = TargetSpecSchema.parse({ name: 'shop', intervalSeconds: 60, probe: { kind: 'http', url: 'http://127.0.0.1:9/' } });

/** Every activity family, fed a write Postgres refuses whatever the retry (NUL in text: SQLSTATE 22021), fails at once. */
describe('an activity whose write Postgres refuses for good fails non-retryably', () => {
  const stack = useStack({ db: true });
  let activities: Activities;

  beforeAll(async () => {
    activities = activitiesOn(stack.db.pool);
  });

  it('probe writes: a slot result (runChecks) and a heartbeat check (checkHeartbeat)', async () => {
    const intervalMs = 60_000;
    // A slot long past is recorded as missed without probing: only the write runs.
    const err = await failureOf(() =>
      activities.runChecks({
        targetId: NUL,
        version: 1,
        probe: spec.probe as Parameters<Activities['runChecks']>[0]['probe'],
        intervalMs,
        slots: [Date.now() - 10 * intervalMs],
        firstSlotIsDue: false,
        manual: false,
        maintenance: false,
        judgement: initialJudgement(Date.now()),
        thresholds: { downAfter: 1, upAfter: 1 },
      }),
    );
    expectNonRetryable(err);
    expectNonRetryable(
      await failureOf(() =>
        activities.checkHeartbeat({
          targetId: NUL,
          version: 1,
          at: Date.now(),
          periodMs: 60_000,
          graceMs: 0,
          manual: false,
          maintenance: false,
          judgement: initialJudgement(Date.now()),
          thresholds: { downAfter: 1, upAfter: 1 },
        }),
      ),
    );
  });

  it('projections: a target (saveTarget) and a flip (recordFlip)', async () => {
    expectNonRetryable(await failureOf(() => activities.saveTarget({ targetId: 'tgt_UNSTORABLE1', spec: { ...spec, name: NUL }, version: 1, paused: false })));
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM targets')).rows[0].n).toBe(0);
    expectNonRetryable(
      await failureOf(() => activities.recordFlip({ targetId: 'tgt_UNSTORABLE1', flip: { from: 'unknown', to: 'down', at: Date.now(), reason: NUL } })),
    );
  });

  it('a target whose ping token another target has fails non-retryably too: that conflict lasts', async () => {
    const heartbeat = TargetSpecSchema.parse({ name: 'backup', intervalSeconds: 60, probe: { kind: 'heartbeat', token: 'T'.repeat(43) } });
    await new MockActivityEnvironment().run(activities.saveTarget, { targetId: 'tgt_HASTOKEN1', spec: heartbeat, version: 1, paused: false });
    const err = await failureOf(() => activities.saveTarget({ targetId: 'tgt_HASTOKEN2', spec: heartbeat, version: 1, paused: false }));
    expect(err).toMatchObject({ type: 'Unstorable', nonRetryable: true, message: 'another target has this ping token' });
  });

  it('incidents: a change of an incident (recordIncidentChange)', async () => {
    const at = Date.now();
    const err = await failureOf(() =>
      activities.recordIncidentChange({
        row: incidentRow({ id: 'inc_UNSTORABLE1', targetId: 'tgt_UNSTORABLE1', openedAt: at }),
        event: { seq: 1, at, kind: 'note', actor: { id: 'key_1', name: 'alice' }, message: NUL },
      }),
    );
    expectNonRetryable(err);
  });

  it('notifications: a delivery (deliverNotification)', async () => {
    const at = Date.now();
    const err = await failureOf(() =>
      activities.deliverNotification({
        channel: { id: NUL, name: 'hook', kind: 'webhook' },
        notification: {
          deliveryId: 'inc_UNSTORABLE1-n1-chn',
          kind: 'triggered',
          at,
          incident: {
            id: 'inc_UNSTORABLE1',
            targetId: 'tgt_UNSTORABLE1',
            targetName: 'shop',
            state: 'triggered',
            reason: 'down',
            openedAt: new Date(at).toISOString(),
          },
        },
      }),
    );
    expectNonRetryable(err);
  });

  it('while Postgres being unreachable is still retried: it may come back', async () => {
    const pool = createPool('postgresql://vigil@127.0.0.1:1/vigil', { max: 1, applicationName: 'vigil-test' });
    try {
      const err = await failureOf(() => activitiesOn(pool).saveTarget({ targetId: 'tgt_UNSTORABLE2', spec, version: 1, paused: false }));
      expect(err).not.toBeInstanceOf(ApplicationFailure);
    } finally {
      await pool.end();
    }
  });
});
