import { createPool } from '../../src/db/pool';
import { deleteExpiredIdempotencyKeys } from '../../src/db/idempotency-keys';
import { startApi } from '../support/api';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

/** Idempotency-Key on POSTs, against the real API, Temporal and Postgres. */
describe('Idempotency-Key', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });

  const target = (name: string, extra: Record<string, unknown> = {}) => ({ name, url: `${stack.site.url}/health`, intervalSeconds: 3600, ...extra });
  const targetsNamed = async (name: string) =>
    (await stack.db.pool.query<{ id: string }>('SELECT id FROM targets WHERE name = $1', [name])).rows.map((r) => r.id);
  const workflows = async () => (await stack.temporal.client.workflow.count('WorkflowType = "targetWorkflow"')).count;

  it('replays the first answer, same status and body, and creates one target', async () => {
    const before = await workflows();
    const first = await stack.api.request().post('/v1/targets').set('Idempotency-Key', 'create-once').send(target('once')).expect(201);
    const again = await stack.api.request().post('/v1/targets').set('Idempotency-Key', 'create-once').send(target('once')).expect(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await targetsNamed('once')).toEqual([first.body.id]);
    expect(await workflows()).toBe(before + 1);
  });

  it('takes the same JSON written in another order for the same request', async () => {
    const first = await stack.api
      .request()
      .post('/v1/targets')
      .set('Idempotency-Key', 'order')
      .send({ intervalSeconds: 3600, name: 'order', url: stack.site.url })
      .expect(201);
    const again = await stack.api
      .request()
      .post('/v1/targets')
      .set('Idempotency-Key', 'order')
      .send({ url: stack.site.url, name: 'order', intervalSeconds: 3600 })
      .expect(201);
    expect(again.body.id).toBe(first.body.id);
  });

  it('refuses the same key with a different request (422), and changes nothing', async () => {
    await stack.api.request().post('/v1/targets').set('Idempotency-Key', 'reused').send(target('reused')).expect(201);
    const res = await stack.api.request().post('/v1/targets').set('Idempotency-Key', 'reused').send(target('reused-differently')).expect(422);
    expect(res.body.type).toBe('https://vigil.dev/problems/idempotency-key-reused');
    expect(await targetsNamed('reused-differently')).toEqual([]);
  });

  it('scopes keys to the API key that sent them', async () => {
    const other = await stack.api.createKey('admin');
    const mine = await stack.api.request().post('/v1/targets').set('Idempotency-Key', 'shared-name').send(target('scoped')).expect(201);
    const theirs = await stack.api.request(other).post('/v1/targets').set('Idempotency-Key', 'shared-name').send(target('scoped')).expect(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('forgets a key whose request was refused, so the corrected request can use it', async () => {
    await stack.api
      .request()
      .post('/v1/targets')
      .set('Idempotency-Key', 'fix-me')
      .send(target('fixed', { intervalSeconds: 0 }))
      .expect(400);
    const res = await stack.api.request().post('/v1/targets').set('Idempotency-Key', 'fix-me').send(target('fixed')).expect(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses a malformed key, naming the header', async () => {
    const res = await stack.api.request().post('/v1/targets').set('Idempotency-Key', 'x'.repeat(256)).send(target('long')).expect(400);
    expect(res.body.errors[0].field).toBe('Idempotency-Key');
  });

  it('runs one of two concurrent duplicates; the other is told to retry (409, Retry-After), then gets the same answer', async () => {
    const created = await stack.api.request().post('/v1/targets').send(target('slow')).expect(201);
    stack.site.behave({ delayMs: 1_500 });
    try {
      const check = () => stack.api.request().post(`/v1/targets/${created.body.id}/check`).set('Idempotency-Key', 'check-once');
      const answers = await Promise.all([check(), new Promise((r) => setTimeout(r, 300)).then(check)]);
      expect(answers.map((r) => r.status)).toEqual([200, 409]);
      expect(answers[1]!.body.type).toBe('https://vigil.dev/problems/idempotency-key-in-use');
      expect(Number(answers[1]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const replayed = await check().expect(200);
      expect(replayed.text).toBe(answers[0]!.text);
      const manual = await stack.db.pool.query('SELECT count(*)::int AS n FROM check_results WHERE target_id = $1 AND manual', [created.body.id]);
      expect(manual.rows[0].n).toBe(1);
    } finally {
      stack.site.behave({ delayMs: 0 });
    }
  });

  it('a create that failed after its workflow started, retried with its key, finishes that same target: one workflow, one target', async () => {
    // This API instance's writes to `targets` fail, as if it died right after starting the workflow; the worker's do not.
    const apiPool = createPool(stack.db.url, { max: 4, applicationName: 'vigil-api-crashing' });
    await stack.db.pool.query(`
      CREATE FUNCTION crash_api_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('application_name') = 'vigil-api-crashing' THEN RAISE EXCEPTION 'simulated crash'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER crash_api_insert BEFORE INSERT ON targets FOR EACH ROW EXECUTE FUNCTION crash_api_insert();`);
    const crashing = await startApi({ ...stack.db, pool: apiPool }, stack.temporal.client);
    try {
      const before = await workflows();
      const body = target('crash-safe', { tags: ['eu', 'shop'] });
      await crashing.request().post('/v1/targets').set('Idempotency-Key', 'crash').send(body).expect(500);
      // The workflow started and projected the target itself.
      const [started] = await eventually(async () => {
        const ids = await targetsNamed('crash-safe');
        expect(ids).toHaveLength(1);
        return ids;
      });
      expect(await workflows()).toBe(before + 1);

      // Another instance still holds the key (it died mid-request): a retry waits for its lease to run out.
      await apiPool.query(`UPDATE idempotency_keys SET locked_until = now() + interval '1 minute' WHERE key = 'crash'`);
      const busy = await stack.api.request(crashing.adminKey).post('/v1/targets').set('Idempotency-Key', 'crash').send(body).expect(409);
      expect(Number(busy.headers['retry-after'])).toBeGreaterThan(50);
      await apiPool.query(`UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = 'crash'`);

      await stack.db.pool.query('DROP TRIGGER crash_api_insert ON targets');
      const retried = await stack.api.request(crashing.adminKey).post('/v1/targets').set('Idempotency-Key', 'crash').send(body).expect(201);
      expect(retried.body).toMatchObject({ id: started, name: 'crash-safe', tags: ['eu', 'shop'] });
      expect(await targetsNamed('crash-safe')).toEqual([started]);
      expect(await workflows()).toBe(before + 1);
    } finally {
      await crashing.close();
      await apiPool.end();
    }
  });

  it('expires keys after 24 hours: deleteExpiredIdempotencyKeys removes them, and an expired key is new again', async () => {
    const first = await stack.api.request().post('/v1/targets').set('Idempotency-Key', 'old').send(target('old')).expect(201);
    await stack.api.request().post('/v1/targets').set('Idempotency-Key', 'recent').send(target('recent')).expect(201);
    await stack.db.pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old'`);
    // Not yet deleted: still expired, so the key is new (no replay, no 422).
    const again = await stack.api.request().post('/v1/targets').set('Idempotency-Key', 'old').send(target('old-again')).expect(201);
    expect(again.body.id).not.toBe(first.body.id);

    await stack.db.pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old'`);
    expect(await deleteExpiredIdempotencyKeys(stack.db.pool, 1)).toBe(1);
    const left = await stack.db.pool.query<{ key: string }>('SELECT key FROM idempotency_keys');
    expect(left.rows.map((r) => r.key)).toContain('recent');
    expect(left.rows.map((r) => r.key)).not.toContain('old');
  });
});
