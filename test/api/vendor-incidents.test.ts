import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';
import { OPSGENIE_KEY, startVendorFake, type VendorFake } from '../support/vendor-fakes';
import { downTarget } from '../support/incidents';

/**
 * PagerDuty's incident and Opsgenie's alert follow Vigil's through a real outage: the incident workflow pages them,
 * and a responder's acknowledgement and resolution in Vigil reach them too (local fakes of both APIs).
 */
describe("PagerDuty and Opsgenie following Vigil's incident", () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true });
  let fake: VendorFake;
  beforeAll(async () => {
    fake = await startVendorFake();
    stack.onStop(() => fake.close());
  });

  it('triggers, acknowledges and resolves them as a responder acts in Vigil', async () => {
    const api = stack.api.request();
    const responder = await stack.api.createKey('responder');
    const channel = async (body: Record<string, unknown>) => (await api.post('/v1/channels').send(body).expect(201)).body.id as string;
    const pd = await channel({ kind: 'pagerduty', name: 'pd', routingKey: 'c'.repeat(32), baseUrl: fake.url });
    const og = await channel({ kind: 'opsgenie', name: 'og', apiKey: OPSGENIE_KEY, baseUrl: fake.url });
    const policy = await api
      .post('/v1/escalation-policies')
      .send({ name: 'vendors', levels: [{ timeoutSeconds: 3600, channelIds: [pd, og] }] })
      .expect(201);
    const incidentId = (await downTarget(stack, { escalationPolicyId: policy.body.id }, { check: responder })).incident.id;

    await eventually(() => {
      expect(fake.pagerDutyIncidents.get(incidentId)?.status).toBe('triggered');
      expect(fake.opsgenieAlerts.get(incidentId)).toMatchObject({ status: 'open', acknowledged: false });
    }, 20_000);
    await stack.api.request(responder).post(`/v1/incidents/${incidentId}/acknowledge`).expect(200);
    await eventually(() => {
      expect(fake.pagerDutyIncidents.get(incidentId)?.status).toBe('acknowledged');
      expect(fake.opsgenieAlerts.get(incidentId)).toMatchObject({ status: 'open', acknowledged: true });
    }, 20_000);
    await stack.api.request(responder).post(`/v1/incidents/${incidentId}/resolve`).send({}).expect(200);
    await eventually(() => {
      expect(fake.pagerDutyIncidents.get(incidentId)?.status).toBe('resolved');
      expect(fake.opsgenieAlerts.get(incidentId)?.status).toBe('closed');
    }, 20_000);
    expect(fake.requests.filter((r) => r.refusal)).toEqual([]);
    const { body } = await api.get(`/v1/incidents/${incidentId}`).expect(200);
    expect(JSON.stringify(body)).not.toContain('c'.repeat(32));
    expect(body.deliveries.map((d: { kind: string; status: string }) => `${d.kind} ${d.status}`).sort()).toEqual(
      ['acknowledged', 'resolved', 'triggered'].flatMap((kind) => [`${kind} delivered`, `${kind} delivered`]),
    );
  });
});
