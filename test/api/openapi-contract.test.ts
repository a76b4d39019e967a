import request from 'supertest';
import { useStack } from '../support/stack';

// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema walked generically
type Schema = Record<string, any>;

/** Where the OpenAPI document and the server used to disagree, each pinned from both sides. */
describe('the OpenAPI document says what the server does', () => {
  // Nothing here reaches Temporal: every request is answered before a workflow would be.
  const stack = useStack({ api: true });
  let paths: Record<string, Record<string, Schema>>;
  const body = (path: string, method: string): Schema => paths[path]![method]!.requestBody;
  const bodySchema = (path: string, method: string): Schema => body(path, method).content['application/json'].schema;
  const param = (path: string, method: string, name: string): Schema => paths[path]![method]!.parameters.find((p: Schema) => p.name === name);

  beforeAll(async () => {
    paths = (await request(stack.api.url).get('/v1/openapi.json').expect(200)).body.paths;
  });

  it('kind may be left out of an http target, and the document shows http as its default', () => {
    const variants = bodySchema('/v1/targets', 'post').oneOf as Schema[];
    const http = variants.find((v) => v.properties.kind.const === 'http')!;
    expect(http.required).not.toContain('kind');
    expect(http.properties.kind.default).toBe('http');
    for (const other of variants.filter((v) => v !== http)) expect(other.required).toContain('kind');
  });

  it('a body may be left out where every field may: showing a target on a status page needs none', async () => {
    expect(body('/v1/status-pages/{id}/targets/{targetId}', 'put').required).toBe(false);
    expect(body('/v1/incidents/{id}/acknowledge', 'post').required).toBe(false);
    expect(body('/v1/targets', 'post').required).toBe(true);
    const page = await stack.api.request().post('/v1/status-pages').send({ slug: 'no-body', title: 'No body' }).expect(201);
    // Without a body the request is valid: what refuses it is the target that does not exist.
    const res = await stack.api.request().put(`/v1/status-pages/${page.body.id}/targets/tgt_01M8B7Z5CFY505SXTDD14RPC6R`);
    expect([res.status, res.body.errors]).toEqual([422, [{ field: 'targetId', message: 'no target tgt_01M8B7Z5CFY505SXTDD14RPC6R' }]]);
  });

  it('PATCH /v1/targets/{id} documents the fields it takes, refuses others by name, and says what a new kind needs', async () => {
    const patch = bodySchema('/v1/targets/{id}', 'patch');
    expect(patch.anyOf.length).toBe(4);
    for (const variant of patch.anyOf) {
      expect(variant.additionalProperties).toBe(false);
      expect(variant.required ?? []).toEqual([]);
      expect(variant.properties.name).toBeDefined();
      // A PATCH's absent field keeps its value: no defaults.
      expect(Object.values(variant.properties).filter((p) => 'default' in (p as Schema))).toEqual([]);
    }
    expect(patch.anyOf.map((v: Schema) => v.dependentRequired)).toEqual([{ kind: ['url'] }, { kind: ['host', 'port'] }, { kind: ['query'] }, { kind: [] }]);
    const res = await stack.api.request().patch('/v1/targets/tgt_01M8B7Z5CFY505SXTDD14RPC6R').send({ name: 'x', bogus: 1 }).expect(400);
    expect(res.body.errors).toEqual([{ field: 'bogus', message: 'unknown field' }]);
  });

  it('Idempotency-Key: the pattern the server holds it to', async () => {
    const { pattern } = param('/v1/targets', 'post', 'Idempotency-Key').schema;
    const re = new RegExp(pattern);
    expect(['a', 'x'.repeat(255), '550e8400-e29b-41d4-a716-446655440000'].every((k) => re.test(k))).toBe(true);
    expect(['', 'x'.repeat(256), 'with space', 'é'].some((k) => re.test(k))).toBe(false);
    await stack.api.request().post('/v1/channels').set('Idempotency-Key', 'with space').send({}).expect(400);
  });

  it('a reassignment needs an assignee or a policy, and the document says so', () => {
    expect(bodySchema('/v1/incidents/{id}/reassign', 'post').anyOf).toEqual([{ required: ['assignee'] }, { required: ['escalationPolicyId'] }]);
  });

  it('ids are documented with their prefix, in paths and in bodies', () => {
    expect(param('/v1/targets/{id}', 'get', 'id').schema.pattern).toBe('^tgt_[0-9A-HJKMNP-TV-Z]{26}$');
    expect(param('/v1/channels/{id}', 'get', 'id').schema.pattern).toBe('^chn_[0-9A-HJKMNP-TV-Z]{26}$');
    expect(param('/v1/status-pages/{id}/targets/{targetId}', 'put', 'targetId').schema.pattern).toBe('^tgt_[0-9A-HJKMNP-TV-Z]{26}$');
    expect(param('/v1/incidents', 'get', 'target').schema.pattern).toBe('^tgt_[0-9A-HJKMNP-TV-Z]{26}$');
    const level = bodySchema('/v1/escalation-policies', 'post').properties.levels.items.properties.channelIds;
    expect(level).toMatchObject({ uniqueItems: true, items: { pattern: '^chn_[0-9A-HJKMNP-TV-Z]{26}$' } });
  });

  it('names are trimmed, and their documented pattern counts the length without the spaces around them', async () => {
    const name = bodySchema('/v1/api-keys', 'post').properties.name;
    expect(name.maxLength).toBeUndefined();
    const re = new RegExp(name.pattern);
    expect([`  ${'x'.repeat(100)}  `, 'a', ' a b ']).toEqual(expect.arrayContaining([expect.stringMatching(re)]));
    expect(['', '   ', 'x'.repeat(101)].filter((n) => re.test(n))).toEqual([]);
    const created = await stack.api
      .request()
      .post('/v1/api-keys')
      .send({ name: `  ${'x'.repeat(100)}  `, role: 'viewer' })
      .expect(201);
    expect(created.body.name).toBe('x'.repeat(100));
    const blank = await stack.api.request().post('/v1/api-keys').send({ name: '   ', role: 'viewer' }).expect(400);
    expect(blank.body.errors.map((e: { field: string }) => e.field)).toEqual(['name']);
  });

  it('the status-page operations list their 422s', () => {
    expect(Object.keys(paths['/v1/status-pages']!.post!.responses)).toContain('422');
    expect(Object.keys(paths['/v1/status-pages/{id}']!.patch!.responses)).toContain('422');
    expect(paths['/v1/status-pages/{id}/targets/{targetId}']!.put!.responses['422'].description).toMatch(/No such target/);
  });

  it('an e-mail address with more than 64 characters before the @ is refused, naming it (RFC 5321)', async () => {
    const address = `${'a'.repeat(70)}@example.com`;
    const { pattern } = bodySchema('/v1/channels', 'post').oneOf.find((v: Schema) => v.properties.kind.const === 'email').properties.addresses.items;
    expect(new RegExp(pattern).test(address)).toBe(false);
    const res = await stack.api
      .request()
      .post('/v1/channels')
      .send({ kind: 'email', name: 'ops', addresses: ['ok@example.com', address] })
      .expect(400);
    expect(res.body.errors).toEqual([{ field: 'addresses.1', message: 'an e-mail address, with at most 64 characters before the @ (RFC 5321)' }]);
    await stack.api
      .request()
      .post('/v1/channels')
      .send({ kind: 'email', name: 'ops', addresses: [`${'a'.repeat(64)}@example.com`] })
      .expect(201);
  });
});
