import { parseCodecKeys } from '../src/codec/keys';
import { SecretBox } from '../src/codec/secrets';
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/api/app';
import { renderAtomFeed } from '../src/api/public/feed';
import { renderStatusPageHtml } from '../src/api/public/html';
import { readStatusPageView } from '../src/api/public/projection';
import { startWebServer } from '../src/api/server';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { createPrisma } from '../src/db/prisma';
import { createStatusPage } from '../src/db/status-pages';
import { upsertTarget } from '../src/db/targets';
import { TargetSpecSchema } from '../src/domain/target';
import { newId } from '../src/ids';
import { createLogger } from '../src/log';
import { freePort } from '../src/stack/ports';
import { startLocalPostgres } from '../src/stack/postgres';

/**
 * `npx tsx bench/status-page.ts [--targets 50] [--requests 400]`
 *
 * CPU per uncached request of a public status page (the JSON, the HTML page, the Atom feed) with `--targets` targets ×
 * 90 days of daily rollups, a few incidents each: a throwaway PostgreSQL, the API in this process, requests one at a
 * time over a keep-alive connection with no If-None-Match (so every one is built in full). The figure is this
 * process's CPU (user + system) per request, so it includes the client reading the answer: an upper bound of the
 * API's. Then the same split into its parts (the three reads and building the projection; rendering; hashing), each
 * timed alone.
 */
const { values } = parseArgs({ options: { targets: { type: 'string', default: '50' }, requests: { type: 'string', default: '400' } } });
const TARGETS = Number(values.targets);
const REQUESTS = Number(values.requests);
const DAY = 86_400_000;

const log = (line: string) => console.error(`[bench] ${line}`);

function cpuMsPer(n: number, run: () => Promise<void>): Promise<number> {
  return (async () => {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) await run();
    const used = process.cpuUsage(start);
    return Math.round(((used.user + used.system) / 1000 / n) * 100) / 100;
  })();
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const fetchBody = (url: string): Promise<number> =>
  new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url}: ${res.statusCode}`))));
      })
      .on('error', reject);
  });

/** Keys of the benchmark's own: the page reads no secret, but the API's dependencies include the box. */
const secrets = new SecretBox(parseCodecKeys(`bench:${Buffer.alloc(32, 7).toString('base64')}`));

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-page-'));
  // As root, PostgreSQL runs as another user (src/stack/postgres.ts), who must reach its data folder in here.
  fs.chmodSync(dir, 0o755);
  const pg = await startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), database: 'vigil', fast: true, log });
  const pool = createPool(pg.url, { max: 10, applicationName: 'vigil-bench' });
  try {
    await migrate(pool);
    log(`seeding ${TARGETS} targets × 90 days`);
    const ids: string[] = [];
    for (let i = 0; i < TARGETS; i++) {
      const id = newId('tgt');
      const spec = TargetSpecSchema.parse({ name: `service-${i}`, intervalSeconds: 60, probe: { kind: 'http', url: 'https://example.com' } });
      await upsertTarget(pool, secrets, { targetId: id, spec, version: 1, paused: false });
      ids.push(id);
    }
    const today = Math.floor(Date.now() / DAY) * DAY;
    await pool.query(
      `INSERT INTO check_rollups_daily (target_id, starts_at, probes, down, degraded, missed)
       SELECT t, to_timestamp(($2::bigint - d::bigint * 86400000) / 1000.0), 1440, CASE WHEN d % 17 = 3 THEN 12 ELSE 0 END,
              CASE WHEN d % 23 = 5 THEN 30 ELSE 0 END, 0
       FROM unnest($1::text[]) AS t, generate_series(0, 89) AS d`,
      [ids, today],
    );
    await pool.query(
      `UPDATE target_status s SET state = CASE WHEN n % 25 = 0 THEN 'down' ELSE 'up' END, state_since = now()
       FROM unnest($1::text[]) WITH ORDINALITY AS x(t, n) WHERE s.target_id = x.t`,
      [ids],
    );
    await pool.query(
      `INSERT INTO incidents (id, target_id, sequence, target_name, state, reason, opened_at, acknowledged_at, resolved_at, version)
       SELECT 'inc_' || substr(t, 5) || '_1', t, 1, 'x', 'resolved', 'down', now() - interval '3 days', now() - interval '71 hours', now() - interval '70 hours', 3
       FROM unnest($1::text[]) AS t`,
      [ids.slice(0, 10)],
    );
    await createStatusPage(pool, {
      slug: 'bench',
      title: 'Bench status',
      description: 'Fifty services',
      logoUrl: null,
      links: [],
      targets: ids.map((targetId) => ({ targetId })),
    });

    const app = createApp({
      pool,
      prisma: createPrisma(pool),
      secrets,
      temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
      config: { minIntervalSeconds: 10, publicRateLimitPerMinute: 0 },
      log: createLogger('vigil-bench', 'silent'),
    });
    const server = await startWebServer(app, '127.0.0.1', 0);
    try {
      const routes = { json: '/v1/public/status-pages/bench', html: '/status/bench', feed: '/status/bench/feed.atom', '/healthz (for scale)': '/healthz' };
      const perRequest: Record<string, number> = {};
      const bytes: Record<string, number> = {};
      for (const [name, route] of Object.entries(routes)) {
        const url = `${server.url}${route}`;
        for (let i = 0; i < 50; i++) bytes[name] = await fetchBody(url);
        perRequest[name] = await cpuMsPer(REQUESTS, async () => void (await fetchBody(url)));
      }
      const view = (await readStatusPageView(pool, 'bench'))!;
      const html = renderStatusPageHtml(view);
      const { createHash } = await import('node:crypto');
      const parts = {
        'reads + projection': await cpuMsPer(REQUESTS, async () => void (await readStatusPageView(pool, 'bench'))),
        'JSON.stringify': await cpuMsPer(REQUESTS, async () => void JSON.stringify(view)),
        'render HTML': await cpuMsPer(REQUESTS, async () => void renderStatusPageHtml(view)),
        'render Atom': await cpuMsPer(REQUESTS, async () => void renderAtomFeed(view)),
        'sha256 of the HTML': await cpuMsPer(REQUESTS, async () => void createHash('sha256').update(html).digest('base64url')),
      };
      const report = {
        targets: TARGETS,
        days: 90,
        requests: REQUESTS,
        node: process.version,
        cpuMsPerRequest: perRequest,
        bodyBytes: bytes,
        partsCpuMs: parts,
      };
      console.log(JSON.stringify(report, null, 2));
    } finally {
      await server.close();
    }
  } finally {
    await pool.end();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
