import { z } from 'zod';
import { isAudited, type Operation } from './operations';
import { IDEMPOTENCY_KEY } from './idempotency';
import { PROBLEM_TYPES, problemStatus } from './problems';

/**
 * The OpenAPI 3.1 document, made from the operations themselves: each one's access, and the zod schemas its handler
 * validates with (JSON Schema 2020-12, which OpenAPI 3.1 uses as it is). Nothing here is written twice.
 */
type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** `/v1/targets/:id` → `/v1/targets/{id}` */
export const openApiPath = (expressPath: string): string => expressPath.replace(/:(\w+)/g, '{$1}');

const ProblemSchema = z
  .object({
    type: z.string().meta({ description: `https://vigil.dev/problems/<name>; names: ${PROBLEM_TYPES.join(', ')}` }),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'For invalid requests: each field at fault' }),
  })
  .meta({ description: 'RFC 9457 problem details' });

const problem = (description: string) => ({ $ref: '#/components/responses/Problem', description });

function parameters(op: Operation): JsonSchema[] {
  const from = (schema: z.ZodObject | undefined, where: 'path' | 'query') => {
    if (!schema) return [];
    const { properties = {}, required = [] } = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    return Object.entries(properties).map(([name, { description, ...propSchema }]) => ({
      name,
      in: where,
      required: where === 'path' || required.includes(name),
      ...(description ? { description } : {}),
      schema: propSchema,
    }));
  };
  const idempotencyKey =
    op.method === 'post' && op.access !== 'public' && op.idempotent !== false
      ? [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'Makes a retry safe: the first answer is replayed for 24 hours to requests with the same key and body.',
            schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source },
          },
        ]
      : [];
  return [...from(op.params, 'path'), ...from(op.query, 'query'), ...idempotencyKey];
}

function responses(op: Operation): JsonSchema {
  const authenticated = op.access !== 'public';
  const idempotent = op.method === 'post' && authenticated && op.idempotent !== false;
  const generic = new Map(
    (
      [
        [problemStatus('invalid-request'), 'The request is invalid; `errors` names each field', Boolean(op.body || op.query || idempotent)],
        [401, 'No API key, or an unknown or revoked one', authenticated],
        [403, `The key's role is below ${op.access}`, authenticated],
        [409, 'A request with this Idempotency-Key is still running', idempotent],
        [422, 'This Idempotency-Key was used with a different request', idempotent],
        [429, 'Too many unauthenticated requests from this address', !authenticated],
      ] as const
    ).flatMap(([status, description, applies]) => (applies ? [[status as number, description] as const] : [])),
  );
  // An operation's own problems (a 404, a 422) join the ones every operation like it has.
  const documented = Object.fromEntries(
    Object.entries(op.responses).map(([status, r]) => {
      if (Number(status) >= 400) return [status, problem([r.description, generic.get(Number(status))].filter(Boolean).join('; or: '))];
      return [
        status,
        {
          description: r.description,
          ...(r.headers ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
          ...(r.body ? { content: { [r.mediaType ?? 'application/json']: { schema: jsonSchema(r.body, 'output') } } } : {}),
        },
      ];
    }),
  );
  return {
    ...Object.fromEntries([...generic].map(([status, description]) => [status, problem(description)])),
    ...documented,
    default: problem('Any other problem, e.g. 405 with Allow for a method the path does not take, or 503 when a dependency is unavailable (with Retry-After)'),
  };
}

export function openApiDocument(operations: readonly Operation[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    paths[path] ??= {};
    paths[path][op.method] = {
      operationId: `${op.method}${path.replace(/[{}]/g, '').replace(/(^|[/_-])(\w)/g, (_m, _s, c: string) => c.toUpperCase())}`,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      security: op.access === 'public' ? [] : [{ apiKey: [] }],
      'x-vigil-role': op.access,
      ...(isAudited(op) ? { 'x-vigil-audited': true } : {}),
      parameters: parameters(op),
      // A missing body reads as {} (operations.ts): it may be left out exactly where {} is valid.
      ...(op.body
        ? { requestBody: { required: !op.body.safeParse({}).success, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } }
        : {}),
      responses: responses(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vigil API',
      version: '1',
      description:
        'Authenticate with `Authorization: Bearer <API key>`. Roles: viewer reads; responder also acts on incidents; ' +
        'admin does everything. Errors are RFC 9457 problem details. Lists are newest first, paged by `nextCursor`. ' +
        'Names and other typed text are trimmed; their patterns count the length without the spaces around them. ' +
        '`x-vigil-rule` on a schema states a rule JSON Schema cannot (between fields, or beyond a pattern); a request ' +
        'that breaks it is a 400 naming that field. A method a path does not take is a 405 with `Allow`; OPTIONS ' +
        'answers 204 with `Allow`.',
    },
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: vigil_…' } },
      schemas: { Problem: jsonSchema(ProblemSchema, 'output') },
      responses: {
        Problem: { description: 'A problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    },
  };
}

/** GET /v1/openapi.json: public, like the API's documentation. Built once, from the app's operations. */
export function openApiRoute(operations: () => readonly Operation[]): Operation {
  let document: JsonSchema | undefined;
  return {
    method: 'get',
    path: '/v1/openapi.json',
    tag: 'Operations',
    access: 'public',
    summary: 'This document',
    responses: { 200: { description: 'The OpenAPI 3.1 document of this API' } },
    handler: (_req, res) => {
      document ??= openApiDocument(operations());
      res.json(document);
    },
  };
}
