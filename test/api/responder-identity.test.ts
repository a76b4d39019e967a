import { incidentQuery } from '../../src/contracts/incident';
import { incidentWorkflowId } from '../../src/ids';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';
import { downTarget } from '../support/incidents';

/** An API key can belong to a user: what is done with it on an incident is recorded as that person's doing. */
describe('responders acting with their own API key', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });
  const as = (key?: string) => stack.api.request(key);

  it('records the person the key belongs to, in the timeline and in the workflow, as who acknowledged and noted', async () => {
    const { body: ann } = await as().post('/v1/users').send({ name: 'Ann Example', email: 'ann@example.com', timeZone: 'Europe/Berlin' }).expect(201);
    const { body: key } = await as().post('/v1/api-keys').send({ name: "ann's laptop", role: 'responder', userId: ann.id }).expect(201);
    expect(key.userId).toBe(ann.id);

    const { targetId, incident } = await downTarget(stack);

    const acked = await as(key.key).post(`/v1/incidents/${incident.id}/acknowledge`).expect(200);
    expect(acked.body.acknowledged.by).toEqual({ id: ann.id, name: 'Ann Example' });
    await as(key.key).post(`/v1/incidents/${incident.id}/notes`).send({ text: 'looking' }).expect(200);
    await eventually(async () => {
      const { body } = await as().get(`/v1/incidents/${incident.id}`).expect(200);
      expect(body.timeline.filter((e: { kind: string }) => ['acknowledged', 'note'].includes(e.kind)).map((e: { actor: unknown }) => e.actor)).toEqual([
        { id: ann.id, name: 'Ann Example' },
        { id: ann.id, name: 'Ann Example' },
      ]);
    });
    // The workflow holds it too (its state comes from the updates in its history), not only the projection.
    const state = await stack.temporal.client.workflow.getHandle(incidentWorkflowId(incident.id)).query(incidentQuery);
    expect(state.acknowledged?.by).toEqual({ id: ann.id, name: 'Ann Example' });

    // A key of nobody in particular is recorded as the key, as before.
    const resolved = await as().post(`/v1/incidents/${incident.id}/resolve`).expect(200);
    expect(resolved.body.resolved.by).toEqual({ id: expect.stringMatching(/^key_/), name: 'test admin' });
    await as().delete(`/v1/targets/${targetId}`).expect(204);
  });

  it('refuses a key for a user who does not exist, naming userId, and makes no key', async () => {
    const count = async () => (await stack.db.pool.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n as number;
    const before = await count();
    const res = await as().post('/v1/api-keys').send({ name: 'ghost', role: 'responder', userId: 'usr_01M8B7Z5CFY505SXTDD14RPC6R' }).expect(422);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['userId']);
    expect(await count()).toBe(before);
  });
});
