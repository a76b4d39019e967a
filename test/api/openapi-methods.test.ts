import request from 'supertest';
import { TEST_UI_ORIGIN } from '../support/api';
import { useStack } from '../support/stack';

/** A path of the document with its parameters filled in with an id that names nothing. */
const concrete = (path: string) => path.replace(/\{\w+\}/g, 'nothing_01M8B7Z5CFY505SXTDD14RPC6R');

describe('methods a known path does not take', () => {
  // None of these answers reaches Temporal.
  const stack = useStack({ api: true });
  /** Each documented path and what `Allow` must say for it: its methods, HEAD beside GET, and OPTIONS. */
  let allow: Map<string, string>;

  beforeAll(async () => {
    const { body } = await request(stack.api.url).get('/v1/openapi.json').expect(200);
    const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
    allow = new Map(
      Object.entries(body.paths as Record<string, object>).map(([path, ops]) => {
        const methods = Object.keys(ops).map((m) => m.toUpperCase());
        if (methods.includes('GET')) methods.push('HEAD');
        return [path, order.filter((m) => m === 'OPTIONS' || methods.includes(m)).join(', ')];
      }),
    );
  });

  it('TRACE on every documented path is a 405 problem whose Allow lists what the path takes', async () => {
    expect(allow.size).toBeGreaterThan(25);
    const wrong: string[] = [];
    for (const [path, methods] of allow) {
      const res = await stack.api.request().trace(concrete(path));
      const seen = `${res.status} ${res.headers['content-type']} Allow: ${res.headers.allow} ${res.body.type}`;
      const expected = `405 application/problem+json; charset=utf-8 Allow: ${methods} https://vigil.dev/problems/method-not-allowed`;
      if (seen !== expected) wrong.push(`TRACE ${path}: ${seen}`);
    }
    expect(wrong).toEqual([]);
  });

  it('the paths of the issue: TRACE on health, metrics, keys, channels and the codec, PUT on /v1/targets', async () => {
    const cases: [string, string, string][] = [
      ['trace', '/healthz', 'GET, HEAD, OPTIONS'],
      ['trace', '/readyz', 'GET, HEAD, OPTIONS'],
      ['trace', '/metrics', 'GET, HEAD, OPTIONS'],
      ['trace', '/v1/api-keys', 'GET, HEAD, POST, OPTIONS'],
      ['trace', '/v1/channels', 'GET, HEAD, POST, OPTIONS'],
      ['trace', '/v1/codec/decode', 'POST, OPTIONS'],
      ['get', '/v1/codec/encode', 'POST, OPTIONS'],
      ['put', '/v1/targets', 'GET, HEAD, POST, OPTIONS'],
      ['post', '/v1/targets/tgt_01M8B7Z5CFY505SXTDD14RPC6R', 'GET, HEAD, PATCH, DELETE, OPTIONS'],
    ];
    for (const [method, path, methods] of cases) {
      const res = await stack.api.request()[method as 'get'](path);
      expect(`${method} ${path}: ${res.status} ${res.headers.allow}`).toBe(`${method} ${path}: 405 ${methods}`);
      expect(res.body).toMatchObject({ status: 405, detail: `${method.toUpperCase()} is not one of ${methods}` });
    }
  });

  it('OPTIONS on a known path is 204 with Allow; HEAD is answered wherever GET is', async () => {
    for (const [path, methods] of allow) {
      const res = await request(stack.api.url).options(concrete(path));
      expect(`OPTIONS ${path}: ${res.status} ${res.headers.allow}`).toBe(`OPTIONS ${path}: 204 ${methods}`);
    }
    await request(stack.api.url).head('/healthz').expect(200);
    await stack.api.request().head('/v1/targets').expect(200);
  });

  it("the codec's CORS preflight from the Web UI's origin still answers as CORS asks", async () => {
    const res = await request(stack.api.url)
      .options('/v1/codec/decode')
      .set('Origin', TEST_UI_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(TEST_UI_ORIGIN);
    expect(res.headers['access-control-allow-methods']).toBe('POST');
  });

  it('without a key the answer is 405, not 401 (a key would not help); with a bad key it is 401, as on every route', async () => {
    const anonymous = await request(stack.api.url).trace('/v1/targets');
    expect([anonymous.status, anonymous.headers.allow]).toEqual([405, 'GET, HEAD, POST, OPTIONS']);
    const badKey = await request(stack.api.url).trace('/v1/targets').set('Authorization', 'Bearer vigil_nothing');
    expect([badKey.status, badKey.body.type]).toEqual([401, 'https://vigil.dev/problems/unauthorized']);
    // The role checks belong to the operations: a viewer on an admin-only path learns the methods too.
    const viewer = await stack.api.request(await stack.api.createKey('viewer')).put('/v1/api-keys');
    expect(viewer.status).toBe(405);
  });

  it('unknown paths stay 404, whatever the method', async () => {
    for (const method of ['get', 'trace', 'options', 'put'] as const) {
      const res = await stack.api.request()[method]('/v1/nothing-here');
      expect(`${method}: ${res.status} ${res.headers.allow}`).toBe(`${method}: 404 undefined`);
    }
  });
});
