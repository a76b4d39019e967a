import express from 'express';
import path from 'node:path';
import request from 'supertest';
import { problemHandler } from '../../src/api/problems';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { createPrisma } from '../../src/db/prisma';
import { createLogger } from '../../src/log';
import { freePort } from '../../src/stack/ports';
import { startLocalPostgres } from '../../src/stack/postgres';
import { startApi, unreachableTemporal } from '../support/api';
import { readTestEnv } from '../support/env';
import { useStack } from '../support/stack';

const validTarget = { name: 'shop', url: 'https://example.com', intervalSeconds: 60 };

const timed = async <T>(call: () => Promise<T>): Promise<[T, number]> => {
  const started = Date.now();
  const result = await call();
  return [result, Date.now() - started];
};

describe('health, readiness and metrics', () => {
  const stack = useStack({ temporal: 'local', api: true });

  it('is alive (/healthz) and ready (/readyz) when Postgres and Temporal answer, without a key', async () => {
    expect((await request(stack.api.url).get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    expect((await request(stack.api.url).get('/readyz').expect(200)).body).toEqual({ status: 'ready', checks: { database: 'up', temporal: 'up' } });
  });

  it('serves Prometheus metrics: request latency by route template and status, and the pool', async () => {
    await stack.api.request().get('/v1/targets/tgt_01M8B7Z5CFY505SXTDD14RPC6R').expect(404);
    await stack.api.request().get('/v1/targets').expect(200);
    await request(stack.api.url).get('/no/such/path').expect(404);
    const res = await request(stack.api.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toMatch(/vigil_api_request_duration_seconds_count\{method="GET",route="\/v1\/targets\/:id",status="404"\} 1\b/);
    expect(res.text).toMatch(/vigil_api_request_duration_seconds_count\{method="GET",route="\/v1\/targets",status="200"\} 1\b/);
    expect(res.text).toMatch(/vigil_api_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1\b/);
    expect(res.text).not.toContain('tgt_01M8B7Z5CFY505SXTDD14RPC6R');
    expect(res.text).toMatch(/vigil_api_db_pool_connections\{state="idle"\} \d+/);
    expect(res.text).toMatch(/vigil_api_process_cpu_seconds_total/);
  });
});

describe('when Temporal is unreachable', () => {
  const stack = useStack({ api: true });

  it('still serves reads from Postgres', async () => {
    await stack.api.request().get('/v1/targets').expect(200);
    await stack.api.request().get('/v1/api-keys').expect(200);
  });

  it('answers writes 503 with Retry-After within its deadline, and creates nothing', async () => {
    const [res, ms] = await timed(() => stack.api.request().post('/v1/targets').send(validTarget));
    expect(res.status).toBe(503);
    expect(res.body.type).toBe('https://vigil.dev/problems/temporal-unavailable');
    expect(res.headers['retry-after']).toBe('5');
    expect(ms).toBeLessThan(7_000);
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM targets')).rows[0].n).toBe(0);
  });

  it('is not ready, and says Temporal is what is down', async () => {
    const [res, ms] = await timed(() => request(stack.api.url).get('/readyz'));
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'https://vigil.dev/problems/not-ready', checks: { database: 'up' } });
    expect(res.body.checks.temporal).toMatch(/^down: /);
    expect(res.body.detail).toMatch(/^temporal is down/);
    expect(ms).toBeLessThan(3_000);
    await request(stack.api.url).get('/healthz').expect(200);
  });
});

describe('when Postgres is unreachable', () => {
  it('answers 503 quickly, never hangs, is not ready but alive, and serves again once Postgres is back', async () => {
    const port = await freePort();
    const dataDir = path.join(readTestEnv().runDir, `postgres-down-${process.pid}`);
    const pg = await startLocalPostgres({ dataDir, port, database: 'vigil', fast: true });
    const pool = createPool(pg.url, { max: 4, applicationName: 'vigil-api-test', connectionTimeoutMs: 2_000 });
    pool.on('error', () => undefined);
    await migrate(pool);
    const db = { url: pg.url, pool, prisma: createPrisma(pool), drop: async () => undefined };
    const api = await startApi(db, unreachableTemporal());
    try {
      await api.request().get('/v1/targets').expect(200);
      await pg.stop();
      for (const path of ['/v1/targets', '/v1/targets/tgt_01M8B7Z5CFY505SXTDD14RPC6R']) {
        const [res, ms] = await timed(() => api.request().get(path));
        expect(res.status).toBe(503);
        expect(res.body.type).toBe('https://vigil.dev/problems/database-unavailable');
        expect(res.headers['retry-after']).toBe('5');
        expect(ms).toBeLessThan(3_000);
      }
      const ready = await request(api.url).get('/readyz').expect(503);
      expect(ready.body.checks.database).toMatch(/^down: /);
      await request(api.url).get('/healthz').expect(200);

      await startLocalPostgres({ dataDir, port, database: 'vigil', fast: true });
      await api.request().get('/v1/targets').expect(200);
    } finally {
      await api.close();
      await pool.end();
      await pg.stop();
    }
  });

  it("maps Prisma's connection errors (through the pg adapter) to database-unavailable, not a 500", async () => {
    const pool = createPool(`postgresql://postgres@127.0.0.1:${await freePort()}/none`, { max: 1, applicationName: 'x', connectionTimeoutMs: 500 });
    const prisma = createPrisma(pool);
    const app = express()
      .get('/', async () => {
        await prisma.target.findUnique({ where: { id: 'x' } });
      })
      .use(problemHandler(createLogger('test', 'silent')));
    const res = await request(app).get('/').expect(503);
    expect(res.body.type).toBe('https://vigil.dev/problems/database-unavailable');
    await pool.end();
  });
});
