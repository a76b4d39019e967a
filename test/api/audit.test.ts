import type request from 'supertest';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

/**
 * The audit log: every route that changes something, as the OpenAPI document lists them, called once for real; each
 * must append exactly one event naming its caller. A route added without a step here fails the first test.
 */
describe('the audit log', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true, webhooks: true });
  const ids: Record<string, string> = {};
  let key: string;
  let keyId: string;
  let auditor: { id: string; name: string };
  const events = async () => (await stack.db.pool.query('SELECT * FROM audit_events ORDER BY id')).rows;

  beforeAll(async () => {
    const { body: user } = await stack.api.request().post('/v1/users').send({ name: 'Olga Admin', email: 'olga@example.com', timeZone: 'UTC' }).expect(201);
    auditor = { id: user.id, name: 'Olga Admin' };
    const { body } = await stack.api.request().post('/v1/api-keys').send({ name: 'olga cli', role: 'admin', userId: user.id }).expect(201);
    [key, keyId] = [body.key, body.id];
  });

  const api = () => stack.api.request(key);
  const day = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

  /** One real call of each audited operation, in an order where each finds what it needs. */
  const steps: [string, () => request.Test, (body: Record<string, unknown>) => void][] = [
    [
      'POST /v1/users',
      () => api().post('/v1/users').send({ name: 'Ann', email: 'ann@example.com', timeZone: 'Europe/Berlin' }),
      (b) => (ids.user = b.id as string),
    ],
    ['PATCH /v1/users/{id}', () => api().patch(`/v1/users/${ids.user}`).send({ name: 'Ann Example' }), () => undefined],
    ['POST /v1/users/{id}/calendar-feed', () => api().post(`/v1/users/${ids.user}/calendar-feed`), () => undefined],
    ['DELETE /v1/users/{id}/calendar-feed', () => api().delete(`/v1/users/${ids.user}/calendar-feed`), () => undefined],
    [
      'POST /v1/rotations',
      () =>
        api()
          .post('/v1/rotations')
          .send({ name: 'ops', timeZone: 'UTC', shiftLength: 1, shiftUnit: 'days', start: '2026-01-01T09:00:00Z', participants: [ids.user] }),
      (b) => (ids.rotation = b.id as string),
    ],
    ['PATCH /v1/rotations/{id}', () => api().patch(`/v1/rotations/${ids.rotation}`).send({ shiftUnit: 'weeks' }), () => undefined],
    [
      'POST /v1/schedules',
      () =>
        api()
          .post('/v1/schedules')
          .send({ name: 'ops', timeZone: 'UTC', rules: [{ days: day, start: '00:00', end: '00:00', rotationId: ids.rotation }] }),
      (b) => (ids.schedule = b.id as string),
    ],
    ['PATCH /v1/schedules/{id}', () => api().patch(`/v1/schedules/${ids.schedule}`).send({ name: 'Operations' }), () => undefined],
    [
      'POST /v1/schedules/{id}/overrides',
      () => api().post(`/v1/schedules/${ids.schedule}/overrides`).send({ start: '2026-06-01T00:00:00Z', end: '2026-06-02T00:00:00Z', remove: ids.user }),
      (b) => (ids.override = b.id as string),
    ],
    ['DELETE /v1/schedules/{id}/overrides/{overrideId}', () => api().delete(`/v1/schedules/${ids.schedule}/overrides/${ids.override}`), () => undefined],
    ['POST /v1/schedules/{id}/calendar-feed', () => api().post(`/v1/schedules/${ids.schedule}/calendar-feed`), () => undefined],
    ['DELETE /v1/schedules/{id}/calendar-feed', () => api().delete(`/v1/schedules/${ids.schedule}/calendar-feed`), () => undefined],
    [
      'POST /v1/channels',
      () =>
        api()
          .post('/v1/channels')
          .send({ kind: 'webhook', name: 'hook', url: `${stack.webhooks.url}/audit` }),
      (b) => (ids.channel = b.id as string),
    ],
    [
      'PUT /v1/channels/{id}',
      () =>
        api()
          .put(`/v1/channels/${ids.channel}`)
          .send({ kind: 'webhook', name: 'ops hook', url: `${stack.webhooks.url}/audit` }),
      () => undefined,
    ],
    [
      'POST /v1/escalation-policies',
      () =>
        api()
          .post('/v1/escalation-policies')
          .send({ name: 'p', levels: [{ timeoutSeconds: 3600, channelIds: [ids.channel] }] }),
      (b) => (ids.policy = b.id as string),
    ],
    [
      'PUT /v1/escalation-policies/{id}',
      () =>
        api()
          .put(`/v1/escalation-policies/${ids.policy}`)
          .send({ name: 'payments', levels: [{ timeoutSeconds: 3600, channelIds: [ids.channel] }] }),
      () => undefined,
    ],
    [
      'POST /v1/targets',
      () => api().post('/v1/targets').send({ name: 'shop', url: stack.site.url, intervalSeconds: 3600, downAfter: 1, escalationPolicyId: ids.policy }),
      (b) => (ids.target = b.id as string),
    ],
    ['PATCH /v1/targets/{id}', () => api().patch(`/v1/targets/${ids.target}`).send({ name: 'web shop' }), () => undefined],
    ['POST /v1/targets/{id}/pause', () => api().post(`/v1/targets/${ids.target}/pause`), () => undefined],
    ['POST /v1/targets/{id}/resume', () => api().post(`/v1/targets/${ids.target}/resume`), () => undefined],
    ['POST /v1/targets/{id}/check', () => api().post(`/v1/targets/${ids.target}/check`), () => undefined],
    [
      'POST /v1/targets/bulk',
      () =>
        api()
          .post('/v1/targets/bulk')
          .send({ targets: [{ name: 'blog', url: stack.site.url, intervalSeconds: 3600 }] }),
      () => undefined,
    ],
    ['POST /v1/incidents/{id}/acknowledge', () => api().post(`/v1/incidents/${ids.incident}/acknowledge`), () => undefined],
    ['POST /v1/incidents/{id}/notes', () => api().post(`/v1/incidents/${ids.incident}/notes`).send({ text: 'looking' }), () => undefined],
    ['POST /v1/incidents/{id}/snooze', () => api().post(`/v1/incidents/${ids.incident}/snooze`).send({ durationSeconds: 600 }), () => undefined],
    ['POST /v1/incidents/{id}/reassign', () => api().post(`/v1/incidents/${ids.incident}/reassign`).send({ assignee: 'Ann' }), () => undefined],
    ['POST /v1/incidents/{id}/escalate', () => api().post(`/v1/incidents/${ids.incident}/escalate`), () => undefined],
    ['POST /v1/incidents/{id}/resolve', () => api().post(`/v1/incidents/${ids.incident}/resolve`), () => undefined],
    ['POST /v1/status-pages', () => api().post('/v1/status-pages').send({ slug: 'audit', title: 'Audit' }), (b) => (ids.page = b.id as string)],
    ['PATCH /v1/status-pages/{id}', () => api().patch(`/v1/status-pages/${ids.page}`).send({ title: 'Audited' }), () => undefined],
    ['PUT /v1/status-pages/{id}/targets/{targetId}', () => api().put(`/v1/status-pages/${ids.page}/targets/${ids.target}`), () => undefined],
    ['DELETE /v1/status-pages/{id}/targets/{targetId}', () => api().delete(`/v1/status-pages/${ids.page}/targets/${ids.target}`), () => undefined],
    ['DELETE /v1/status-pages/{id}', () => api().delete(`/v1/status-pages/${ids.page}`), () => undefined],
    ['POST /v1/api-keys', () => api().post('/v1/api-keys').send({ name: 'grafana', role: 'viewer' }), (b) => (ids.apiKey = b.id as string)],
    ['DELETE /v1/api-keys/{id}', () => api().delete(`/v1/api-keys/${ids.apiKey}`), () => undefined],
    ['DELETE /v1/schedules/{id}', () => api().delete(`/v1/schedules/${ids.schedule}`), () => undefined],
    ['DELETE /v1/rotations/{id}', () => api().delete(`/v1/rotations/${ids.rotation}`), () => undefined],
    ['DELETE /v1/users/{id}', () => api().delete(`/v1/users/${ids.user}`), () => undefined],
    ['DELETE /v1/targets/{id}', () => api().delete(`/v1/targets/${ids.target}`), () => undefined],
    ['DELETE /v1/escalation-policies/{id}', () => api().delete(`/v1/escalation-policies/${ids.policy}`), () => undefined],
    ['DELETE /v1/channels/{id}', () => api().delete(`/v1/channels/${ids.channel}`), () => undefined],
  ];

  it('records every change the OpenAPI document lists as one event naming its caller, the person the key belongs to', async () => {
    const { paths } = (await stack.api.request().get('/v1/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { 'x-vigil-audited'?: true }>>;
    };
    const auditedOperations = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op['x-vigil-audited'])
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(steps.map(([op]) => op).sort()).toEqual(auditedOperations.sort());

    stack.site.behave({ status: 500 });
    for (const [op, call, keep] of steps) {
      if (op.startsWith('POST /v1/incidents') && !ids.incident) {
        ids.incident = await eventually(async () => {
          const { body } = await api().get(`/v1/incidents?target=${ids.target}`).expect(200);
          expect(body.data).toHaveLength(1);
          return body.data[0].id as string;
        });
      }
      const before = (await events()).length;
      const res = await call();
      expect([op, res.status < 300]).toEqual([op, true]);
      if (res.body && typeof res.body === 'object') keep(res.body);
      const appended = (await events()).slice(before);
      expect([op, appended.length]).toEqual([op, 1]);
      expect(appended[0]).toMatchObject({ actor_id: auditor.id, actor_name: auditor.name, key_id: keyId, method: op.split(' ')[0] });
    }
  });

  it('shows a change as the resource before and after, and masks secrets', async () => {
    const { body: rotation } = await api().get(`/v1/audit-events?resource=rotations&resourceId=${ids.rotation}`).expect(200);
    const [deleted, changed, created] = rotation.data;
    expect([created.action, changed.action, deleted.action]).toEqual(['Create a rotation', 'Change a rotation', 'Delete a rotation']);
    expect(created).toMatchObject({ before: null, after: { id: ids.rotation, shiftUnit: 'days' }, actor: { id: auditor.id, name: auditor.name, keyId } });
    expect(changed).toMatchObject({ before: { shiftUnit: 'days' }, after: { shiftUnit: 'weeks' }, method: 'PATCH', path: `/v1/rotations/${ids.rotation}` });
    expect(deleted).toMatchObject({ before: { shiftUnit: 'weeks' }, after: null });

    const { body: keys } = await api().get(`/v1/audit-events?resource=api-keys&resourceId=${ids.apiKey}`).expect(200);
    expect(keys.data.at(-1).after).toMatchObject({ name: 'grafana', key: '********' });
    const { body: channels } = await api().get(`/v1/audit-events?resource=channels&resourceId=${ids.channel}`).expect(200);
    expect(channels.data.at(-1).after).toMatchObject({ url: '********', signingSecret: '********' });
  });

  it('filters by actor and time, pages with a cursor, and is for admins only', async () => {
    const all = (await events()).length;
    const mine = await api().get(`/v1/audit-events?actor=${auditor.id}&limit=200`).expect(200);
    expect(mine.body.data).toHaveLength(steps.length);
    const first = await api().get('/v1/audit-events?limit=5').expect(200);
    const second = await api().get(`/v1/audit-events?limit=5&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body.data[0].id < first.body.data[4].id).toBe(true);
    const future = await api()
      .get(`/v1/audit-events?from=${new Date(Date.now() + 60_000).toISOString()}`)
      .expect(200);
    expect(future.body.data).toEqual([]);
    const viewer = await stack.api.createKey('viewer');
    await stack.api.request(viewer).get('/v1/audit-events').expect(403);
    expect((await events()).length).toBe(all);
  });

  it('appends nothing for a refused change, and cannot be changed or deleted, even in SQL', async () => {
    const before = (await events()).length;
    await api().post('/v1/rotations').send({ name: 'bad', timeZone: 'Nowhere/Land' }).expect(400);
    expect((await events()).length).toBe(before);
    await expect(stack.db.pool.query("UPDATE audit_events SET actor_name = 'someone else'")).rejects.toThrow(/append-only/);
    await expect(stack.db.pool.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
  });
});
