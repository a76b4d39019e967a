import request from 'supertest';
import { hasRole, ROLES, type Role } from '../../src/domain/roles';
import type { RunningApi } from '../support/api';
import { useStack } from '../support/stack';

interface DocumentedOperation {
  method: string;
  path: string;
  access: Role | 'public';
}

/** Every route of the API, from its OpenAPI document (which a test holds to the routes Express serves). */
async function documentedOperations(api: RunningApi): Promise<DocumentedOperation[]> {
  const { body } = await request(api.url).get('/v1/openapi.json').expect(200);
  return Object.entries(body.paths as Record<string, Record<string, { 'x-vigil-role': Role | 'public' }>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method, path, access: op['x-vigil-role'] })),
  );
}

/** A path with every parameter filled in with an id that names nothing, so allowed calls change nothing. */
const concrete = (path: string) => path.replace(/\{\w+\}/g, 'nothing_01M8B7Z5CFY505SXTDD14RPC6R');

const call = (api: RunningApi, op: DocumentedOperation, authorization?: string) => {
  const req = request(api.url)[op.method as 'get'](concrete(op.path));
  if (authorization) req.set('Authorization', authorization);
  return ['post', 'put', 'patch'].includes(op.method) ? req.send({}) : req;
};

describe('API keys and roles', () => {
  // Temporal is not needed to decide who may call what: every allowed call here is refused later, or answers 503.
  const stack = useStack({ api: true });
  let keys: Record<Role, string>;
  let revoked: string;

  beforeAll(async () => {
    keys = { admin: stack.api.adminKey, responder: await stack.api.createKey('responder'), viewer: await stack.api.createKey('viewer') };
    revoked = await stack.api.createKey('admin');
    const { body } = await stack.api.request().get('/v1/api-keys?limit=200').expect(200);
    const id = body.data.find((k: { prefix: string }) => revoked.startsWith(k.prefix) && k.prefix.length > 8).id;
    await stack.api.request().delete(`/v1/api-keys/${id}`).expect(204);
  });

  it('every route answers each role as its documented access says, and refuses no key (401), a revoked key (401) and a lesser role (403) with a problem', async () => {
    const operations = await documentedOperations(stack.api);
    expect(operations.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    const expectProblem = (what: string, res: request.Response, status: number) => {
      if (res.status !== status || !/^application\/problem\+json/.test(res.headers['content-type'] ?? '')) {
        wrong.push(`${what}: ${res.status} ${res.headers['content-type']}, expected ${status} problem`);
      }
    };
    for (const op of operations) {
      const name = `${op.method.toUpperCase()} ${op.path} (${op.access})`;
      const anonymous = await call(stack.api, op);
      if (op.access === 'public') {
        if ([401, 403].includes(anonymous.status)) wrong.push(`${name} without a key: ${anonymous.status}`);
      } else {
        expectProblem(`${name} without a key`, anonymous, 401);
        if (anonymous.headers['www-authenticate'] !== 'Bearer realm="vigil"') wrong.push(`${name}: 401 without WWW-Authenticate`);
      }
      expectProblem(`${name} with a revoked key`, await call(stack.api, op, `Bearer ${revoked}`), 401);
      expectProblem(`${name} with an unknown key`, await call(stack.api, op, 'Bearer vigil_not-a-key-anyone-was-given-0000000000000'), 401);
      for (const role of ROLES) {
        const res = await call(stack.api, op, `Bearer ${keys[role]}`);
        if (op.access === 'public' || hasRole(role, op.access)) {
          if ([401, 403].includes(res.status)) wrong.push(`${name} as ${role}: ${res.status}, expected it allowed`);
        } else {
          expectProblem(`${name} as ${role}`, res, 403);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses a caller without the right key before reading what it sent', async () => {
    const malformed = (req: request.Test) => req.set('content-type', 'application/json').send('{"name":');
    expect((await malformed(request(stack.api.url).post('/v1/targets'))).status).toBe(401);
    expect((await malformed(stack.api.request(keys.viewer).post('/v1/targets'))).status).toBe(403);
    expect((await malformed(stack.api.request().post('/v1/targets'))).status).toBe(400);
  });

  it('reads a body only where the route takes one: elsewhere whatever was sent is ignored', async () => {
    const res = await stack.api.request().post('/v1/targets/nothing/pause').set('content-type', 'text/plain').send('log line');
    expect(res.status).toBe(404);
    await stack.api.request().post('/v1/targets').set('content-type', 'text/plain').send('name=x').expect(415);
  });

  it('refuses an Authorization header that is not a bearer key', async () => {
    for (const header of ['Basic YWRtaW46YWRtaW4=', 'Bearer', stack.api.adminKey]) {
      const res = await request(stack.api.url).get('/v1/targets').set('Authorization', header).expect(401);
      expect(res.body.type).toBe('https://vigil.dev/problems/unauthorized');
    }
  });

  it('creates a key whose secret is shown once and stored only as a hash, lists it without the secret, and revokes it at once', async () => {
    const created = await stack.api.request().post('/v1/api-keys').send({ name: 'grafana', role: 'viewer' }).expect(201);
    const { id, key, prefix } = created.body;
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.headers.location).toBe(`/v1/api-keys/${id}`);
    expect(key).toMatch(/^vigil_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(prefix)).toBe(true);
    expect(created.body).toMatchObject({ name: 'grafana', role: 'viewer', revokedAt: null, lastUsedAt: null });

    const stored = await stack.db.pool.query('SELECT * FROM api_keys WHERE id = $1', [id]);
    expect(JSON.stringify(stored.rows[0])).not.toContain(key.slice(prefix.length));

    await stack.api.request(key).get('/v1/targets').expect(200);
    const shown = await stack.api.request().get(`/v1/api-keys/${id}`).expect(200);
    expect(shown.body).not.toHaveProperty('key');
    expect(shown.body.lastUsedAt).not.toBeNull();
    const listed = await stack.api.request().get('/v1/api-keys').expect(200);
    expect(listed.body.data.find((k: { id: string }) => k.id === id)).toMatchObject({ name: 'grafana', prefix });
    expect(JSON.stringify(listed.body)).not.toContain(key);

    await stack.api.request().delete(`/v1/api-keys/${id}`).expect(204);
    await stack.api.request().delete(`/v1/api-keys/${id}`).expect(204);
    await stack.api.request(key).get('/v1/targets').expect(401);
    expect((await stack.api.request().get(`/v1/api-keys/${id}`).expect(200)).body.revokedAt).not.toBeNull();
    await stack.api.request().delete('/v1/api-keys/key_01M8B7Z5CFY505SXTDD14RPC6R').expect(404);
  });

  it('refuses a key without a name or with an unknown role, naming the field', async () => {
    const res = await stack.api.request().post('/v1/api-keys').send({ role: 'owner' }).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'role']);
  });

  it('refuses an Idempotency-Key on key creation: its answer holds a secret that is never stored', async () => {
    const res = await stack.api.request().post('/v1/api-keys').set('Idempotency-Key', 'k1').send({ name: 'x', role: 'viewer' }).expect(400);
    expect(res.body.errors).toEqual([{ field: 'Idempotency-Key', message: 'not accepted here' }]);
  });

  it('answers authenticated requests no-store, and every response with the security headers and a request id', async () => {
    const authed = await stack.api.request().get('/v1/targets').expect(200);
    expect(authed.headers['cache-control']).toBe('no-store');
    for (const res of [authed, await request(stack.api.url).get('/healthz'), await request(stack.api.url).get('/nowhere')]) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
      expect(res.headers).not.toHaveProperty('x-powered-by');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await request(stack.api.url).get('/healthz').set('X-Request-Id', 'lb-1234.5').expect(200)).headers['x-request-id']).toBe('lb-1234.5');
    expect((await request(stack.api.url).get('/healthz').set('X-Request-Id', 'no spaces <here>').expect(200)).headers['x-request-id']).not.toContain(' ');
  });

  it('refuses a body over 64 kB with a problem', async () => {
    const res = await stack.api
      .request()
      .post('/v1/api-keys')
      .send({ name: 'x'.repeat(70_000), role: 'viewer' })
      .expect(413);
    expect(res.body.type).toBe('https://vigil.dev/problems/payload-too-large');
  });

  it('refuses a string that is not valid Unicode (a lone surrogate), naming the field: Postgres would store another', async () => {
    const res = await stack.api
      .request()
      .post('/v1/api-keys')
      .set('content-type', 'application/json')
      .send('{"name": "a\\ud800b", "role": "viewer"}')
      .expect(400);
    expect(res.body.errors).toEqual([{ field: 'name', message: 'holds a lone UTF-16 surrogate' }]);
  });
});

describe('rate limits on unauthenticated traffic', () => {
  const stack = useStack({ api: { publicRateLimitPerMinute: 5 } });

  it('limits public routes and bad keys per address with 429 and Retry-After, and never a valid key', async () => {
    for (let i = 0; i < 3; i++) await request(stack.api.url).get('/healthz').expect(200);
    await request(stack.api.url).get('/v1/targets').set('Authorization', 'Bearer vigil_wrong-wrong-wrong-wrong-wrong-wrong-wrong').expect(401);
    await request(stack.api.url).get('/v1/openapi.json').expect(200);
    const limited = await request(stack.api.url).get('/healthz').expect(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await request(stack.api.url).get('/v1/targets').set('Authorization', 'Bearer vigil_wrong-wrong-wrong-wrong-wrong-wrong-wrong').expect(429);
    for (let i = 0; i < 10; i++) await stack.api.request().get('/v1/targets').expect(200);
  });
});
