import { targetWorkflowId } from '../../src/ids';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

/** A cron job's heartbeat target, end to end: pings through the API, judged by the target's workflow. */
describe('heartbeat targets', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });

  const api = () => stack.api.request();
  const state = async (id: string) => (await api().get(`/v1/targets/${id}`).expect(200)).body.status;
  const workflowTasks = async (id: string) => {
    const history = await stack.temporal.client.workflow.getHandle(targetWorkflowId(id)).fetchHistory();
    return history.events!.filter((e) => e.workflowTaskCompletedEventAttributes).length;
  };

  it('is up on its first ping, stays up while pings come in without costing the workflow a task each, and goes down when they stop', async () => {
    const created = await api().post('/v1/targets').send({ name: 'nightly backup', kind: 'heartbeat', intervalSeconds: 3, graceSeconds: 1 }).expect(201);
    const { id, token } = created.body;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await state(id)).state).toBe('unknown');

    await api().post(`/v1/ping/${token}`).expect(200, 'OK');
    await eventually(async () => expect((await state(id)).state).toBe('up'), 5_000);

    const tasksBefore = await workflowTasks(id);
    for (let i = 0; i < 12; i++) {
      await api().get(`/v1/ping/${token}`).expect(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Twelve pings in 1.2 s: at most the one deadline wake that falls in that time, not a task per ping.
    expect((await workflowTasks(id)) - tasksBefore).toBeLessThanOrEqual(2);

    const down = await eventually(async () => {
      const s = await state(id);
      expect(s.state).toBe('down');
      return s;
    }, 10_000);
    expect(down.lastError).toMatch(/^no ping since .* \(expected every 3 s, grace 1 s\)$/);

    // The ping that ends the outage wakes the workflow: up well before any deadline.
    const pingedAt = Date.now();
    await api().post(`/v1/ping/${token}`).expect(200);
    await eventually(async () => expect((await state(id)).state).toBe('up'), 5_000);
    expect(Date.now() - pingedAt).toBeLessThan(2_000);
  });

  it('goes down at once when the job reports failure, and measures run time from /start', async () => {
    const { id, token } = (await api().post('/v1/targets').send({ name: 'import', kind: 'heartbeat', intervalSeconds: 60 }).expect(201)).body;
    await api().post(`/v1/ping/${token}/start`).expect(200);
    await new Promise((r) => setTimeout(r, 200));
    await api().post(`/v1/ping/${token}`).expect(200);
    const up = await eventually(async () => {
      const s = await state(id);
      expect(s.state).toBe('up');
      return s;
    }, 5_000);
    expect(up.lastLatencyMs).toBeGreaterThanOrEqual(200);

    await api().post(`/v1/ping/${token}/fail`).expect(200);
    const down = await eventually(async () => {
      const s = await state(id);
      expect(s.state).toBe('down');
      return s;
    }, 5_000);
    expect(down.lastError).toMatch(/^the job reported failure at /);
  });

  it('answers 404 for an unknown token or event, and records nothing', async () => {
    await api().post('/v1/ping/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').expect(404);
    const { token } = (await api().post('/v1/targets').send({ name: 'x', kind: 'heartbeat', intervalSeconds: 60 }).expect(201)).body;
    await api().post(`/v1/ping/${token}/bogus`).expect(404);
    const { rows } = await stack.db.pool.query("SELECT count(*)::int AS n FROM pings WHERE kind NOT IN ('success', 'start', 'fail')");
    expect(rows[0].n).toBe(0);
  });
});
