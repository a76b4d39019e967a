import { execFile } from 'node:child_process';
import type { Express } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { openApiPath } from '../../src/api/openapi';
import { otherMethods } from '../../src/api/operations';
import { createPrisma } from '../../src/db/prisma';
import { createLogger } from '../../src/log';
import { unreachableTemporal } from '../support/api';
import { readTestEnv } from '../support/env';
import { testSecrets } from '../support/codec';

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: { handle: { name: string } }[] };
  handle: { stack?: Layer[] };
  rawPath?: string;
}

/**
 * Every method and path Express serves, read from its router: mounted routers included, whatever their origin. Left
 * out: what answers the other methods of a documented path (405, or 204 to OPTIONS; see operations.ts).
 */
function servedRoutes(app: Express): string[] {
  const walk = (stack: Layer[], prefix: string): string[] =>
    stack.flatMap((layer) => {
      if (layer.route?.stack.every((s) => s.handle.name === otherMethods([]).name)) return [];
      if (layer.route) {
        return Object.keys(layer.route.methods)
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${openApiPath(prefix + (layer.route!.path === '/' && prefix ? '' : layer.route!.path))}`);
      }
      if (layer.handle.stack) return walk(layer.handle.stack, prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''));
      return [];
    });
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
}

describe('the OpenAPI document', () => {
  // Nothing here reaches Postgres or Temporal: the document is made from the routes' own descriptions.
  const pool = new Pool({ connectionString: 'postgresql://nobody@127.0.0.1:1/nothing' });
  const app = createApp({
    pool,
    prisma: createPrisma(pool),
    temporal: unreachableTemporal(),
    secrets: testSecrets,
    config: { minIntervalSeconds: 10, publicRateLimitPerMinute: 0 },
    log: createLogger('test', 'silent'),
  });
  let document: { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> };
  beforeAll(async () => {
    document = (await request(app).get('/v1/openapi.json').expect(200)).body;
  });
  afterAll(() => pool.end());

  const documented = () => Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));

  it('documents every route the app serves: describe a new route as an Operation (src/api/operations.ts)', () => {
    const undocumented = servedRoutes(app).filter((route) => !documented().includes(route));
    expect(undocumented).toEqual([]);
  });

  it('documents no route the app does not serve', () => {
    const served = servedRoutes(app);
    expect(documented().filter((route) => !served.includes(route))).toEqual([]);
  });

  it("is a valid OpenAPI 3.1 document, by the specification's own JSON Schema", async () => {
    const file = path.join(readTestEnv().runDir, `openapi-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify(document));
    const cli = path.resolve(__dirname, '..', '..', 'node_modules', '.bin', 'validate-api');
    const result = await new Promise<{ valid: boolean; errors?: unknown }>((resolve, reject) =>
      execFile(cli, [file], (err, stdout) => (stdout ? resolve(JSON.parse(stdout)) : reject(err))),
    );
    expect(result).toEqual({ valid: true });
  });

  it('has unique operation ids, each path parameter declared, and auth on every non-public operation', () => {
    expect(document.openapi).toBe('3.1.0');
    const ids = new Set<string>();
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(`${where}: ${ids.has(op.operationId as string)}`).toBe(`${where}: false`);
        ids.add(op.operationId as string);
        const declared = (op.parameters as { in: string; name: string }[]).filter((p) => p.in === 'path').map((p) => p.name);
        expect(`${where}: ${declared.sort()}`).toBe(`${where}: ${[...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()}`);
        expect(`${where}: ${JSON.stringify(op.security)}`).toBe(`${where}: ${op['x-vigil-role'] === 'public' ? '[]' : '[{"apiKey":[]}]'}`);
        expect(Object.keys(op.responses as object).length).toBeGreaterThan(1);
      }
    }
  });

  it('describes bodies and queries with the schemas the routes validate with', () => {
    const create = document.paths['/v1/targets']!.post!;
    const body = (
      create.requestBody as { content: { 'application/json': { schema: { oneOf: { properties: Record<string, unknown>; required: string[] }[] } } } }
    ).content['application/json'].schema;
    const http = body.oneOf.find((variant) => 'url' in variant.properties)!;
    expect(http.required).toEqual(expect.arrayContaining(['name', 'intervalSeconds', 'url']));
    expect(http.properties.intervalSeconds).toMatchObject({ minimum: 10, maximum: 86_400 });
    expect(http.properties.tags).toMatchObject({ type: 'array', maxItems: 20 });
    expect(create.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]));

    const list = document.paths['/v1/targets']!.get!;
    const names = (list.parameters as { name: string; in: string }[]).map((p) => `${p.in} ${p.name}`);
    expect(names).toEqual(['query state', 'query kind', 'query tag', 'query key', 'query limit', 'query cursor']);
  });
});
