import fc from 'fast-check';
import type request from 'supertest';
import { createApiFixtures, type ApiFixtures } from '../support/api-fixtures';
import { useStack } from '../support/stack';

/**
 * Valid requests, generated from the API's own OpenAPI document, on every operation it lists: the server must not
 * refuse one as invalid. The counterpart of fuzz.test.ts (which sends invalid ones). Refused means 400, 413, 415 or
 * 422, and a 5xx is a fault too (but a 503 for a workflow that answered late is only reported); 404 (a fixture an earlier request deleted, a target not on a page) and 409 (a state
 * that does not allow it, e.g. an incident already resolved) are answers about state, not about the request. A 400
 * that names only fields whose schema carries `x-vigil-rule` (a rule the document states in words, as JSON Schema
 * cannot) is not held against the document.
 *
 * Every address the server would contact is pointed at this machine (`url`, `host`, a DNS probe's resolver), so the
 * probes and deliveries that valid targets and channels start stay on loopback.
 *
 * Reproduce a failure: VIGIL_CONFORMANCE_SEED=<seed> npx jest test/api/openapi-conformance.test.ts
 */
const SEED = Number(process.env.VIGIL_CONFORMANCE_SEED ?? 20261127);
const RUNS = Number(process.env.VIGIL_CONFORMANCE_RUNS ?? 6);

// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema walked generically
type Schema = Record<string, any>;

/** fast-check generates from regular expressions without lookarounds; the whole pattern is checked after. */
const withoutLookarounds = (pattern: string) => pattern.replace(/\(\?<?[=!](?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\)/g, '');

function matching(pattern: string, maxLength = 60): fc.Arbitrary<string> {
  const whole = new RegExp(pattern);
  return fc.stringMatching(new RegExp(withoutLookarounds(pattern))).filter((s) => whole.test(s) && s.length <= maxLength);
}

interface Context {
  /** Real ids, to use wherever a pattern of ids is asked for. */
  ids: string[];
  loopbackUrl: string;
}

/** An arbitrary of the values `schema` accepts (the subset of JSON Schema 2020-12 the document uses). */
function valid(schema: Schema, ctx: Context): fc.Arbitrary<unknown> {
  const { anyOf, oneOf, ...rest } = schema;
  const alternatives = anyOf ?? oneOf;
  // An object's anyOf of `required` lists constrains its properties; handled with them.
  if (alternatives && !alternatives.every((a: Schema) => Object.keys(a).join() === 'required')) {
    return fc.oneof(...alternatives.map((a: Schema) => valid({ ...rest, ...a }, ctx)));
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type: string) => valid({ ...schema, type }, ctx)));
  switch (schema.type) {
    case 'string':
      return string(schema, ctx);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1e6, -1e9), max: Math.min(schema.maximum ?? 1e6, 1e9) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const min = schema.minItems ?? 0;
      const constraints = { minLength: min, maxLength: Math.min(schema.maxItems ?? min + 3, min + 3) };
      const items = valid(schema.items ?? {}, ctx);
      return schema.uniqueItems ? fc.uniqueArray(items, { ...constraints, selector: (v) => JSON.stringify(v) }) : fc.array(items, constraints);
    }
    case 'object':
      return object(schema, ctx);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function string(schema: Schema, ctx: Context): fc.Arbitrary<string> {
  const max = Math.min(schema.maxLength ?? 60, 60);
  if (schema.pattern?.includes('_')) {
    const ids = ctx.ids.filter((id) => new RegExp(schema.pattern).test(id));
    if (ids.length > 0) return fc.constantFrom(...ids);
  }
  const byFormat: Record<string, fc.Arbitrary<string>> = {
    'date-time': fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    email: fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}$/), fc.domain()).map(([local, domain]) => `${local}@${domain}`),
    uri: fc.webPath().map((path) => `${ctx.loopbackUrl}${path}`),
    ipv4: fc.constant('127.0.0.1'),
    ipv6: fc.constant('::1'),
  };
  const base = byFormat[schema.format] ?? (schema.pattern ? matching(schema.pattern, max) : fc.string({ minLength: schema.minLength ?? 0, maxLength: max }));
  const pattern = schema.pattern ? new RegExp(schema.pattern) : undefined;
  return base.filter((s) => (!pattern || pattern.test(s)) && s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? Infinity));
}

function object(schema: Schema, ctx: Context): fc.Arbitrary<Record<string, unknown>> {
  const properties: Record<string, Schema> = schema.properties ?? {};
  const required = new Set<string>(schema.required ?? []);
  const oneRequired: string[][] = (schema.anyOf ?? []).map((a: Schema) => a.required);
  const model = Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, valid(s, ctx)]));
  const extra =
    schema.additionalProperties && typeof schema.additionalProperties === 'object'
      ? fc.dictionary(
          schema.propertyNames?.pattern ? matching(schema.propertyNames.pattern, 20) : fc.string({ maxLength: 10 }),
          valid(schema.additionalProperties, ctx),
          { maxKeys: 3 },
        )
      : fc.constant({});
  const needs: Record<string, string[]> = schema.dependentRequired ?? {};
  return fc
    .tuple(fc.constantFrom(...(oneRequired.length ? oneRequired : [[]])), extra)
    .chain(([also, more]) => fc.record(model, { requiredKeys: [...required, ...also] }).map((value) => ({ ...more, ...value })))
    .map((value) => {
      // A key whose dependents were left out goes too.
      const out: Record<string, unknown> = value;
      for (const [key, deps] of Object.entries(needs)) if (key in out && deps.some((d) => !(d in out))) delete out[key];
      return out;
    });
}

/** Whether `field` (a dotted path into the body, or a parameter's name) lies under a schema with `x-vigil-rule`. */
function ruled(schema: Schema | undefined, path: string[]): boolean {
  if (!schema) return false;
  if (schema['x-vigil-rule']) return true;
  const branches: Schema[] = schema.anyOf ?? schema.oneOf ?? [];
  if (branches.some((b) => ruled(b, path))) return true;
  const [head, ...tail] = path;
  if (head === undefined) return false;
  if (schema.type === 'array' || schema.items) return ruled(schema.items, tail);
  return ruled(schema.properties?.[head] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined), tail);
}

/** Points whatever the server would contact at this machine. */
function onLoopback(value: unknown, ctx: Context & { resolver: string }): unknown {
  if (Array.isArray(value)) return value.map((v) => onLoopback(v, ctx));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, onLoopback(v, ctx)]));
  if (typeof out.url === 'string') out.url = ctx.loopbackUrl;
  if (typeof out.host === 'string') out.host = '127.0.0.1';
  if (out.kind === 'dns' || 'query' in out || 'recordType' in out) out.resolver = ctx.resolver;
  return out;
}

interface Operation {
  method: string;
  path: string;
  /** The document says the audit log records it. */
  audited: boolean;
  parameters: { name: string; in: string; required: boolean; schema: Schema }[];
  body?: Schema;
  bodyRequired: boolean;
}

describe('valid requests, generated from the OpenAPI document, on every operation', () => {
  const stack = useStack({ temporal: 'local', worker: true, api: true, site: true, webhooks: true });
  let fixtures: ApiFixtures;
  let operations: Operation[];
  let ctx: Context & { resolver: string };

  beforeAll(async () => {
    fixtures = await createApiFixtures(stack, 'conformance');
    const doc = (await stack.api.request().get('/v1/openapi.json').expect(200)).body as { paths: Record<string, Record<string, Schema>> };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method,
        path,
        audited: op['x-vigil-audited'] === true,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
        bodyRequired: op.requestBody?.required ?? false,
      })),
    );
    const { apiKey, slug, ...ids } = fixtures;
    // The discard port: a DNS query there goes unanswered, on loopback.
    ctx = { ids: Object.values(ids), loopbackUrl: stack.site.url, resolver: '127.0.0.1:9' };
  }, 300_000);

  /** The path with the fixtures' ids; DELETEs go last, so that what they remove is not missed by the rest. */
  const concrete = (op: Operation) =>
    op.path
      .replace('{slug}', fixtures.slug)
      .replace('{token}', 'AAAAAAAAAAAAAAAAAAAAAA')
      .replace('{targetId}', fixtures.target)
      .replace('{overrideId}', fixtures.override)
      .replace('{id}', () => {
        const resource = op.path.split('/')[2];
        const byResource: Record<string, string> = {
          targets: fixtures.target,
          incidents: fixtures.incident,
          channels: fixtures.channel,
          'escalation-policies': fixtures.policy,
          'status-pages': fixtures.statusPage,
          'api-keys': fixtures.apiKey,
          users: fixtures.user,
          rotations: fixtures.rotation,
          schedules: fixtures.schedule,
        };
        return byResource[resource!]!;
      });

  it('none is refused as invalid, and none is a 5xx; each change that succeeds is one audit event naming its caller', async () => {
    expect(operations.length).toBeGreaterThan(40);
    const adminKeyId = (await stack.api.request().get('/v1/api-keys').expect(200)).body.data.find((k: { name: string }) => k.name === 'test admin').id;
    const auditEvents = async () => (await stack.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events')).rows[0]!.n;
    const audited = new Set<string>();
    const faults: string[] = [];
    const late: string[] = [];
    let sent = 0;
    const ordered = [...operations.filter((op) => op.method !== 'delete'), ...operations.filter((op) => op.method === 'delete')];
    for (const op of ordered) {
      const query = op.parameters.filter((p) => p.in === 'query');
      const request = fc.record({
        query: fc.record(Object.fromEntries(query.map((p) => [p.name, valid(p.schema, ctx)])), {
          requiredKeys: query.filter((p) => p.required).map((p) => p.name),
        }),
        body: op.body ? (op.bodyRequired ? valid(op.body, ctx) : fc.option(valid(op.body, ctx), { nil: undefined })) : fc.constant(undefined),
        idempotencyKey: fc.option(matching('^[!-~]{1,40}$'), { nil: undefined }),
      });
      const takesKey = op.parameters.some((p) => p.name === 'Idempotency-Key');
      // As the document's description says: probe fields of another kind than the target's (http here) need `kind`.
      const fitsTarget = (body: unknown) => {
        if (op.method !== 'patch' || op.path !== '/v1/targets/{id}' || body === undefined || 'kind' in (body as object)) return true;
        const http = op.body!.anyOf.find((v: Schema) => v.properties.kind.const === 'http');
        return Object.keys(body as object).every((k) => k in http.properties);
      };
      await fc.assert(
        fc.asyncProperty(
          request.filter(({ body }) => fitsTarget(body)),
          async ({ query: q, body, idempotencyKey }) => {
            sent++;
            const sentBody = body === undefined ? undefined : onLoopback(body, ctx);
            let req: request.Test = stack.api
              .request()
              [op.method as 'get'](concrete(op))
              .query(q as Record<string, string>);
            // Unique per request: a key sent again with another request is refused, as the document says.
            if (takesKey && idempotencyKey) req = req.set('Idempotency-Key', `${idempotencyKey}-${sent}`);
            const eventsBefore = await auditEvents();
            const res = await (sentBody === undefined ? req : req.send(sentBody as object));
            const what = `${op.method.toUpperCase()} ${op.path} ${JSON.stringify({ query: q, body: sentBody }).slice(0, 300)}`;
            // Every change that succeeds appends exactly one event, naming the caller; anything else appends none.
            const appended = (await auditEvents()) - eventsBefore;
            const changed = op.audited && res.status >= 200 && res.status < 300;
            if (appended !== (changed ? 1 : 0)) faults.push(`${what}: ${res.status} appended ${appended} audit events`);
            if (changed && appended === 1) {
              const { rows } = await stack.db.pool.query('SELECT key_id, path FROM audit_events ORDER BY id DESC LIMIT 1');
              if (rows[0].key_id !== adminKeyId) faults.push(`${what}: the audit event names ${rows[0].key_id}, not the caller`);
              audited.add(`${op.method.toUpperCase()} ${op.path}`);
            }
            // A workflow that answers late is Temporal's timing, not the document's: reported, not held against it.
            if (res.body?.type === 'https://vigil.dev/problems/temporal-unavailable') return void late.push(what);
            if (res.status >= 500) return void faults.push(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
            if (![400, 401, 403, 413, 415, 422].includes(res.status)) return;
            const fields: string[] = (res.body.errors ?? []).map((e: { field: string }) => e.field);
            const excused =
              res.status === 400 &&
              fields.length > 0 &&
              fields.every((f) => ruled(op.body, f.split('.')) || ruled(query.find((p) => p.name === f)?.schema, []));
            if (!excused) faults.push(`${what}: ${res.status} ${res.text.slice(0, 300)}`);
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
    }
    console.log(
      JSON.stringify({
        operations: operations.length,
        requestsSent: sent,
        answered503TemporalUnavailable: late,
        changesAudited: `${audited.size} of ${operations.filter((op) => op.audited).length} audited operations`,
      }),
    );
    expect(faults).toEqual([]);
  }, 300_000);
});
