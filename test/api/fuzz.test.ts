import fc from 'fast-check';
import http from 'node:http';
import { targetWorkflowId } from '../../src/ids';
import { statusQuery } from '../../src/contracts/target';
import { createApiFixtures } from '../support/api-fixtures';
import { eventually } from '../support/eventually';
import { useStack } from '../support/stack';

/**
 * Bad input, generated from the API's own OpenAPI document (`GET /v1/openapi.json`), against every operation it
 * lists: malformed and boundary bodies, query strings, path parameters and headers, made invalid by construction
 * from each schema (a wrong type, a value past a bound, an unknown field, a string off its pattern), and wholly
 * random requests besides. Every answer must be a 4xx RFC 9457 problem (never a 5xx), and when it is over nothing
 * is stored: every table's rows, every workflow and every target's configuration are as they were.
 *
 * Reproduce a failure with the seed fast-check prints: VIGIL_FUZZ_SEED=<seed> npx jest test/api/fuzz.test.ts
 */
const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? 20261126);
const RUNS = Number(process.env.VIGIL_FUZZ_RUNS ?? 12);

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  items?: JsonSchema;
};

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: JsonSchema;
}

interface Operation {
  method: string;
  /** OpenAPI form: /v1/targets/{id} */
  path: string;
  access: string;
  parameters: Parameter[];
  body?: JsonSchema;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** How many requests the suite sent, for docs/reliability.md. */
let sent = 0;

/** One raw HTTP request: the path goes out byte for byte, as a hostile client would send it. */
function send(base: URL, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  sent++;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${method} ${path} within 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** What is wrong with an answer to bad input; undefined when it is a proper 4xx problem. */
function problemFault(a: Answer): string | undefined {
  if (a.status < 400 || a.status >= 500) return `status ${a.status}`;
  if (!/^application\/problem\+json/.test(String(a.headers['content-type']))) return `content-type ${a.headers['content-type']}`;
  let body: { type?: unknown; title?: unknown; status?: unknown };
  try {
    body = JSON.parse(a.text);
  } catch {
    return 'a body that is not JSON';
  }
  if (typeof body.type !== 'string' || !body.type.startsWith('https://vigil.dev/problems/')) return `problem type ${String(body.type)}`;
  if (typeof body.title !== 'string' || body.status !== a.status) return 'a problem without title or with another status';
  return undefined;
}

/** The JSON types a schema admits (any type when it says nothing). */
function admittedTypes(schema: JsonSchema | undefined): Set<string> {
  const all = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
  if (!schema) return all;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return new Set(alternatives.flatMap((s) => [...admittedTypes(s)]));
  if (schema.const !== undefined) return new Set([jsonType(schema.const)]);
  if (schema.enum) return new Set(schema.enum.map(jsonType));
  if (schema.type === undefined) return all;
  const types = new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
  if (types.has('number')) types.add('integer');
  return types;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Values of a JSON type none of `admitted` covers. */
function wrongValue(admitted: Set<string>): fc.Arbitrary<unknown> {
  const byType: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.string({ maxLength: 20 }),
    integer: fc.integer(),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    boolean: fc.boolean(),
    null: fc.constant(null),
    object: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    array: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  };
  const wrong = Object.entries(byType).filter(([t]) => !admitted.has(t) && !(t === 'integer' && admitted.has('number')));
  return fc.oneof(...wrong.map(([, arb]) => arb));
}

/** Values of the right type that break one of the schema's bounds; none when it has none. */
function outOfBounds(schema: JsonSchema): fc.Arbitrary<unknown> | undefined {
  const options: fc.Arbitrary<unknown>[] = [];
  const types = admittedTypes(schema);
  if (schema.anyOf || schema.oneOf) return undefined;
  if (schema.maxLength !== undefined) options.push(fc.string({ minLength: schema.maxLength + 1, maxLength: schema.maxLength + 40 }));
  if (schema.minLength !== undefined && schema.minLength > 0) options.push(fc.constant(''));
  if (schema.pattern !== undefined && types.has('string') && !schema.enum) {
    const pattern = new RegExp(schema.pattern);
    // Only where short strings can break it: a trimmed text of up to 2,000 characters takes every one (filtering would spin).
    if (fc.sample(fc.string({ maxLength: 30 }), { numRuns: 200, seed: 1 }).some((s) => !pattern.test(s))) {
      options.push(fc.string({ maxLength: 30 }).filter((s) => !pattern.test(s)));
    }
  }
  if (schema.enum && types.has('string')) options.push(fc.string({ maxLength: 12 }).filter((s) => !schema.enum!.includes(s)));
  if (schema.maximum !== undefined) options.push(fc.integer({ min: schema.maximum + 1, max: schema.maximum + 1_000_000 }));
  if (schema.minimum !== undefined) options.push(fc.integer({ min: schema.minimum - 1_000_000, max: schema.minimum - 1 }));
  if (types.has('integer') && !types.has('number')) options.push(fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)));
  if (schema.maxItems !== undefined && schema.items)
    options.push(fc.array(fc.constant(null), { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 3 }));
  return options.length ? fc.oneof(...options) : undefined;
}

/** The object variants of a body schema (a oneOf of kinds, or the one object). */
const objectVariants = (schema: JsonSchema): JsonSchema[] => (schema.oneOf ?? schema.anyOf ?? [schema]).filter((s) => s.type === 'object');

/**
 * Bodies that no variant of the schema accepts, each naming the top-level field at fault when there is one: a
 * non-object, a known field of a type no variant allows, a known field past its bound (when every variant bounds it
 * so), or a field no variant knows (when none takes unknown fields).
 */
function invalidBodies(schema: JsonSchema): fc.Arbitrary<{ body: unknown; field?: string }> {
  const variants = objectVariants(schema);
  // A union of kinds that cannot tell which kind a body is may name its discriminator instead.
  const discriminator =
    variants.length > 1 ? Object.keys(variants[0]!.properties ?? {}).find((k) => variants.every((v) => v.properties?.[k]?.const !== undefined)) : undefined;
  const naming = (field: string) => (discriminator && field !== discriminator ? `${field}|${discriminator}` : field);
  const options: fc.Arbitrary<{ body: unknown; field?: string }>[] = [
    fc
      .oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }))
      .map((body) => ({ body })),
  ];
  const names = [...new Set(variants.flatMap((v) => Object.keys(v.properties ?? {})))];
  for (const name of names) {
    const schemas = variants.map((v) => v.properties?.[name]);
    const admitted = new Set(schemas.flatMap((s) => [...admittedTypes(s)]));
    if (admitted.size < 7) options.push(wrongValue(admitted).map((value) => ({ body: { [name]: value }, field: naming(name) })));
    // A bound only counts when every variant has the field with the same bounds.
    const [first] = schemas;
    if (first && schemas.every((s) => JSON.stringify(s) === JSON.stringify(first))) {
      const bad = outOfBounds(first);
      if (bad) options.push(bad.map((value) => ({ body: { [name]: value }, field: naming(name) })));
    }
  }
  if (variants.length && variants.every((v) => v.additionalProperties === false)) {
    options.push(
      fc
        .tuple(
          fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !names.includes(k) && k !== '__proto__'),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([key, value]) => ({ body: { [key]: value }, field: naming(key) })),
    );
  }
  return fc.oneof(...options);
}

/** Query values that break the parameter's schema. */
function invalidQueryValue(schema: JsonSchema): fc.Arbitrary<string> | undefined {
  const types = admittedTypes(schema);
  const options: fc.Arbitrary<string>[] = [];
  if (schema.anyOf) {
    const patterns = schema.anyOf.map((s) => s.pattern ?? s.items?.pattern).filter(Boolean) as string[];
    if (patterns.length) options.push(fc.string({ maxLength: 30 }).filter((s) => patterns.every((p) => !new RegExp(p).test(s))));
  } else {
    if (types.has('integer'))
      options.push(
        fc.oneof(
          fc.string({ maxLength: 8 }).filter((s) => !/^\s*-?\d+(\.0*)?\s*$/.test(s)),
          fc.constantFrom('1.5', '-1', '0', '1e400', 'NaN', '0x10'),
        ),
      );
    const bad = outOfBounds(schema);
    if (bad) options.push(bad.filter((v) => v !== '' || types.has('string')).map((v) => String(v)));
    if (schema.format === 'date-time') options.push(fc.string({ maxLength: 25 }).filter((s) => Number.isNaN(Date.parse(s)) || !/\d{4}-\d\d-\d\dT/.test(s)));
  }
  return options.length ? fc.oneof(...options) : undefined;
}

/** Path segments as a hostile client writes them: odd encodings, traversal, NULs, very long, every script. */
const hostileSegment = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '%2e%2e', '%2F', '.%2e', "'%20OR%201=1--", '%FF%FE', 'tgt_01M8B7Z5CFY505SXTDD14RPC6R%00'),
  fc.string({ minLength: 200, maxLength: 3000, unit: 'grapheme-ascii' }).map(encodeURIComponent),
);

/** Header values a client can send (no CR, LF or NUL), including every latin-1 byte. */
const headerValue = (maxLength = 300) =>
  fc.string({
    maxLength,
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
  });

describe('bad input on every operation of the OpenAPI document', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true, webhooks: true });
  let base: URL;
  let operations: Operation[];
  let viewer: string;
  /** Real ids, so that validation (not only "not found") is what answers. */
  const fixtures: Record<string, string> = {};
  let before: Snapshot;
  const faults: string[] = [];

  interface Snapshot {
    tables: Record<string, string>;
    workflows: string[];
    targets: string[];
  }

  /** Every table's rows (as a count and a hash), every workflow's id and state, every target's configuration. */
  async function snapshot(): Promise<Snapshot> {
    const { pool } = stack.db;
    const { rows: tables } = await pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> '_prisma_migrations' ORDER BY 1`,
    );
    // Probes and their projections are the worker's, as are its leases (renewed as it lives), and last_used_at is
    // touched by any authenticated call.
    const observations = new Set(['check_results', 'check_rollups_hourly', 'check_rollups_daily', 'target_status', 'flips', 'pings', 'worker_leases']);
    const result: Snapshot['tables'] = {};
    for (const { name } of tables) {
      if (observations.has(name)) continue;
      const projection = name === 'api_keys' ? `(id, name, role, key_hash, prefix, revoked_at)` : name;
      const { rows } = await pool.query<{ n: string; h: string | null }>(
        `SELECT count(*) AS n, md5(string_agg(${projection}::text, '|' ORDER BY ${projection}::text)) AS h FROM ${name}`,
      );
      result[name] = `${rows[0]!.n} ${rows[0]!.h}`;
    }
    const workflows: string[] = [];
    for await (const w of stack.temporal.client.workflow.list()) workflows.push(`${w.workflowId} ${w.status.name}`);
    const { rows: targetIds } = await pool.query<{ id: string }>('SELECT id FROM targets ORDER BY id');
    const targets = await Promise.all(
      targetIds.map(async ({ id }) => {
        const view = await stack.temporal.client.workflow.getHandle(targetWorkflowId(id)).query(statusQuery);
        return `${id} v${view.version} ${view.paused} ${JSON.stringify(view.spec)}`;
      }),
    );
    return { tables: result, workflows: workflows.sort(), targets };
  }

  beforeAll(async () => {
    base = new URL(stack.api.url);
    viewer = await stack.api.createKey('viewer');
    const api = stack.api.request();
    const doc = (await api.get('/v1/openapi.json').expect(200)).body as { paths: Record<string, Record<string, Record<string, unknown>>> };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        access: op['x-vigil-role'] as string,
        parameters: (op.parameters as Parameter[] | undefined) ?? [],
        body: (op.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined)?.content?.['application/json']?.schema,
      })),
    );

    const made = await createApiFixtures(stack, 'fuzz');
    Object.assign(fixtures, {
      '/v1/targets/{id}': made.target,
      '/v1/incidents/{id}': made.incident,
      '/v1/escalation-policies/{id}': made.policy,
      '/v1/channels/{id}': made.channel,
      '/v1/api-keys/{id}': made.apiKey,
      '/v1/status-pages/{id}': made.statusPage,
      '/v1/users/{id}': made.user,
      '/v1/rotations/{id}': made.rotation,
      '/v1/schedules/{id}': made.schedule,
      '{overrideId}': made.override,
      '{targetId}': made.target,
      '/v1/public/status-pages/{slug}': made.slug,
    });
    // Let everything the set-up started settle (the incident's first page, its projections) before the snapshot.
    await eventually(
      async () => {
        const { rows } = await stack.db.pool.query(`SELECT status FROM notification_deliveries`);
        expect(rows.map((r) => r.status)).toEqual(['delivered']);
      },
      120_000,
      250,
    );
    before = await snapshot();
  }, 300_000);
  // Each test reports its own faults, not those of a test before it.
  beforeEach(() => void faults.splice(0));

  /** The path with real ids where they exist (for operations that only read, or with bodies that cannot apply). */
  const withFixtures = (op: Operation) =>
    op.path.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const prefix = op.path.slice(0, op.path.indexOf(whole) + whole.length);
      return encodeURIComponent(fixtures[prefix] ?? fixtures[`{${name}}`] ?? 'nothing_01M8B7Z5CFY505SXTDD14RPC6R');
    });
  /** The path with ids that name nothing: whatever the rest of the request, nothing can change. */
  const nowhere = (op: Operation) => op.path.replace(/\{\w+\}/g, 'nothing_01M8B7Z5CFY505SXTDD14RPC6R');
  const auth = (op: Operation, key = stack.api.adminKey): Record<string, string> => (op.access === 'public' ? {} : { authorization: `Bearer ${key}` });
  const name = (op: Operation) => `${op.method} ${op.path}`;

  async function expectProblem(op: Operation, what: string, a: Answer, field?: string) {
    const fault = problemFault(a);
    if (fault) return void faults.push(`${name(op)} ${what}: ${fault}: ${a.text.slice(0, 200)}`);
    if (a.status === 400 && field !== undefined) {
      const body = JSON.parse(a.text) as { errors?: { field: string }[]; detail?: string };
      // `a|b`: either name will do.
      const named = field.split('|').some((f) => body.errors?.some((e) => e.field === f || e.field.startsWith(`${f}.`)) || body.detail?.includes(f));
      if (!named) faults.push(`${name(op)} ${what}: 400 without naming ${field}: ${a.text.slice(0, 200)}`);
    }
  }

  /** Any status but a 5xx; a 4xx must be a problem. */
  async function expectNoServerError(op: Operation, what: string, a: Answer) {
    if (a.status >= 500 || a.status === 0) faults.push(`${name(op)} ${what}: status ${a.status}: ${a.text.slice(0, 200)}`);
    else if (a.status >= 400 && problemFault(a)) faults.push(`${name(op)} ${what}: ${problemFault(a)}`);
  }

  const property = <T>(arb: fc.Arbitrary<T>, check: (value: T) => Promise<void>) => fc.assert(fc.asyncProperty(arb, check), { seed: SEED, numRuns: RUNS });

  it('documents enough to fuzz: every route, with its parameters and bodies', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((op) => op.body).length).toBeGreaterThan(15);
  });

  it('bodies of the wrong shape, type or size: a 4xx problem naming the field', async () => {
    for (const op of operations.filter((o) => o.body)) {
      // PATCH /v1/targets/:id takes any fields of the create body, checked against it after merging.
      const schema = op.path === '/v1/targets/{id}' ? operations.find((o) => o.method === 'POST' && o.path === '/v1/targets')!.body! : op.body!;
      await property(invalidBodies(schema), async ({ body, field }) => {
        const a = await send(base, op.method, withFixtures(op), { ...auth(op), 'content-type': 'application/json' }, JSON.stringify(body));
        await expectProblem(op, `body ${JSON.stringify(body).slice(0, 120)}`, a, field);
      });
    }
    expect(faults).toEqual([]);
  }, 600_000);

  it('query strings off their schema: a 4xx problem naming the parameter', async () => {
    for (const op of operations) {
      for (const p of op.parameters.filter((x) => x.in === 'query')) {
        const bad = invalidQueryValue(p.schema);
        if (!bad) continue;
        await property(bad, async (value) => {
          const a = await send(base, op.method, `${withFixtures(op)}?${p.name}=${encodeURIComponent(value)}`, auth(op));
          await expectProblem(op, `?${p.name}=${JSON.stringify(value)}`, a, p.name);
        });
      }
    }
    expect(faults).toEqual([]);
  }, 600_000);

  it('path parameters of any shape: a 4xx problem, never a 5xx', async () => {
    for (const op of operations.filter((o) => o.parameters.some((p) => p.in === 'path'))) {
      await property(hostileSegment, async (segment) => {
        const path = op.path.replace(/\{\w+\}/g, segment);
        const a = await send(base, op.method, path, { ...auth(op), ...(op.body ? { 'content-type': 'application/json' } : {}) }, op.body ? '{}' : undefined);
        await expectProblem(op, `path ${path.slice(0, 120)}`, a);
      });
    }
    expect(faults).toEqual([]);
  }, 600_000);

  it('headers that break their rules: keys, Idempotency-Keys, content types, If-Match: a 4xx problem', async () => {
    for (const op of operations) {
      const path = op.method === 'GET' ? withFixtures(op) : nowhere(op);
      const body = op.body ? '{}' : undefined;
      const json: Record<string, string> = op.body ? { 'content-type': 'application/json' } : {};
      if (op.access !== 'public') {
        await property(
          headerValue().filter((v) => !/^\s*Bearer\s+vigil_/i.test(v)),
          async (authorization) => {
            await expectProblem(op, `Authorization ${JSON.stringify(authorization)}`, await send(base, op.method, path, { authorization, ...json }, body));
          },
        );
      }
      if (op.method === 'POST' && op.access !== 'public') {
        const badKey = headerValue(400).filter((v) => !/^[\x21-\x7e]{1,255}$/.test(v) && v.trim() === v && v.length > 0);
        await property(badKey, async (key) => {
          await expectProblem(
            op,
            `Idempotency-Key ${JSON.stringify(key)}`,
            await send(base, op.method, path, { ...auth(op), ...json, 'idempotency-key': key }, body),
            'Idempotency-Key',
          );
        });
      }
      if (op.body) {
        await property(
          headerValue(60).filter((v) => !/json/i.test(v)),
          async (type) => {
            const a = await send(base, op.method, withFixtures(op), { ...auth(op), 'content-type': type }, '{"name":"x"}');
            await expectProblem(op, `Content-Type ${JSON.stringify(type)}`, a);
          },
        );
      }
      if (op.method === 'PATCH' && op.path === '/v1/targets/{id}') {
        await property(
          headerValue(40).filter((v) => !/^(?:W\/)?"\d+"$/.test(v.trim())),
          async (ifMatch) => {
            const a = await send(
              base,
              op.method,
              withFixtures(op),
              { ...auth(op), 'content-type': 'application/json', 'if-match': ifMatch },
              '{"name":"renamed"}',
            );
            await expectProblem(op, `If-Match ${JSON.stringify(ifMatch)}`, a);
          },
        );
      }
    }
    // A client's X-Request-Id comes back only when it is sane.
    await property(headerValue(200), async (id) => {
      const a = await send(base, 'GET', '/healthz', { 'x-request-id': id });
      if (!/^[\w.:-]{1,128}$/.test(String(a.headers['x-request-id']))) faults.push(`X-Request-Id ${JSON.stringify(id)} answered ${a.headers['x-request-id']}`);
    });
    expect(faults).toEqual([]);
  }, 600_000);

  it('wholly random requests (query, body, content type, key): never a 5xx', async () => {
    const request = fc.record({
      query: fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 80, unit: 'grapheme-ascii' }).map((q) => `?${encodeURI(q)}`),
        fc.string({ maxLength: 80 }).map((q) => `?${encodeURIComponent(q)}=${encodeURIComponent(q)}`),
      ),
      body: fc.oneof(
        fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
        fc.string({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      ),
      type: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'application/merge-patch+json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
      ),
      key: fc.constantFrom('admin', 'viewer', 'none'),
    });
    for (const op of operations) {
      await property(request, async ({ query, body, type, key }) => {
        const headers: Record<string, string> = { ...(type ? { 'content-type': type } : {}) };
        if (key !== 'none' && op.access !== 'public') headers.authorization = `Bearer ${key === 'admin' ? stack.api.adminKey : viewer}`;
        // Ids that name nothing: a random request that happens to be valid still changes nothing.
        const path = op.method === 'GET' ? withFixtures(op) : nowhere(op);
        const a = await send(base, op.method, `${path}${query}`, headers, ['GET', 'DELETE'].includes(op.method) ? undefined : body);
        if (a.status < 300 && op.method === 'POST' && !op.path.includes('{') && !op.path.startsWith('/v1/codec'))
          faults.push(`${name(op)} accepted a random body: ${String(body).slice(0, 120)}`);
        await expectNoServerError(op, `random ${type} ${query.slice(0, 60)} ${String(body).slice(0, 60)}`, a);
      });
    }
    expect(faults).toEqual([]);
  }, 900_000);

  it('boundary bodies: too large, too deep, malformed, in another charset, polluting prototypes', async () => {
    for (const op of operations.filter((o) => o.body)) {
      // Ids that name nothing: an empty body is a valid request where every field is optional (acknowledge).
      const path = nowhere(op);
      const headers = { ...auth(op), 'content-type': 'application/json' };
      const limit = op.path.startsWith('/v1/codec') ? 4 << 20 : 64 << 10;
      const cases: [string, string | Buffer, Record<string, string>?][] = [
        ['one byte over the limit', JSON.stringify({ name: 'x'.repeat(limit) })],
        ['nested 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000)],
        ['truncated', '{"name": "x"'],
        ['empty with a JSON type', ''],
        ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
        ['a lone surrogate', '{"name": "\\ud800"}'],
        ['numbers past every bound', '{"name": 1e400, "intervalSeconds": -0, "timeoutSeconds": 9007199254740993}'],
        ['duplicate keys', '{"name": "a", "name": {"b": 1}}'],
        ['a prototype pollution attempt', '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'],
        ['UTF-16', Buffer.from('{"name":"x"}', 'utf16le'), { 'content-type': 'application/json; charset=utf-16' }],
        ['gzip that is not gzip', '{"name":"x"}', { 'content-encoding': 'gzip' }],
        ['an unknown encoding', '{"name":"x"}', { 'content-encoding': 'br, x-vigil' }],
      ];
      for (const [what, body, extra] of cases) {
        await expectProblem(op, what, await send(base, op.method, path, { ...headers, ...extra }, body));
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(faults).toEqual([]);
  }, 600_000);

  it('and when it is over, nothing was stored: every table, workflow and configuration is as it was', async () => {
    expect(await snapshot()).toEqual(before);
    console.log(JSON.stringify({ operations: operations.length, requestsSent: sent }));
  }, 120_000);
});
