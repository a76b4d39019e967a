import type { Stack } from './stack';
import { downTarget } from './incidents';

/** One of each thing the API manages, real, so that requests to it reach validation and not only "not found". */
export interface ApiFixtures {
  channel: string;
  policy: string;
  /** An http target (the stack's fake site, always failing) with an open incident. */
  target: string;
  incident: string;
  statusPage: string;
  slug: string;
  /** A viewer's key, which a test may revoke without losing its own. */
  apiKey: string;
  /** A user, in a rotation that a schedule names, which has an override adding the user. */
  user: string;
  rotation: string;
  schedule: string;
  override: string;
}

/**
 * Makes the fixtures through the API itself: a webhook channel to the receiver's `/<slug>`, a policy paging it, a
 * target of the fake site that fails at once and so opens an incident, a status page showing it, and a user on call
 * through a rotation in a schedule with an override.
 */
export async function createApiFixtures(stack: Stack<{ api: true; site: true; webhooks: true }>, slug: string): Promise<ApiFixtures> {
  const api = stack.api.request();
  const hook = await api
    .post('/v1/channels')
    .send({ kind: 'webhook', name: `${slug} hook`, url: `${stack.webhooks.url}/${slug}` })
    .expect(201);
  const policy = await api
    .post('/v1/escalation-policies')
    .send({ name: `${slug} policy`, levels: [{ timeoutSeconds: 3600, channelIds: [hook.body.id] }] })
    .expect(201);
  const { targetId, incident } = await downTarget(stack, { name: `${slug} target`, url: stack.site.url, escalationPolicyId: policy.body.id });
  const page = await api
    .post('/v1/status-pages')
    .send({ slug, title: slug, targets: [{ targetId: targetId }] })
    .expect(201);
  const user = await api
    .post('/v1/users')
    .send({ name: `${slug} person`, email: `${slug}@example.com`, timeZone: 'Europe/Berlin' })
    .expect(201);
  const rotation = await api
    .post('/v1/rotations')
    .send({
      name: `${slug} rotation`,
      timeZone: 'Europe/Berlin',
      shiftLength: 1,
      shiftUnit: 'weeks',
      start: '2026-01-05T08:00:00Z',
      participants: [user.body.id],
    })
    .expect(201);
  const schedule = await api
    .post('/v1/schedules')
    .send({ name: `${slug} schedule`, timeZone: 'Europe/Berlin', rules: [{ days: ['mon'], start: '09:00', end: '09:00', rotationId: rotation.body.id }] })
    .expect(201);
  const override = await api
    .post(`/v1/schedules/${schedule.body.id}/overrides`)
    .send({ start: '2026-06-01T08:00:00Z', end: '2026-06-02T08:00:00Z', add: user.body.id })
    .expect(201);
  await stack.api.createKey('viewer');
  const keys = await api.get('/v1/api-keys').expect(200);
  return {
    channel: hook.body.id,
    policy: policy.body.id,
    target: targetId,
    incident: incident.id,
    statusPage: page.body.id,
    slug,
    apiKey: keys.body.data.find((k: { role: string }) => k.role === 'viewer').id,
    user: user.body.id,
    rotation: rotation.body.id,
    schedule: schedule.body.id,
    override: override.body.id,
  };
}
