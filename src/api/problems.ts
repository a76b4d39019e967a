import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { SecretDecryptionError } from '../codec/secrets';
import type { Logger } from '../log';

/**
 * Every error the API answers with, as RFC 9457 problem details. The set of problems is closed: each has one
 * HTTP status and title, here, so a client can rely on `type` alone.
 */
const PROBLEMS = {
  'invalid-request': { status: 400, title: 'The request is invalid' },
  'malformed-json': { status: 400, title: 'The request body is not valid JSON' },
  unauthorized: { status: 401, title: 'A valid API key is required' },
  forbidden: { status: 403, title: "The API key's role does not allow this" },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'The resource does not support this method' },
  conflict: { status: 409, title: 'The resource is not in a state that allows this' },
  'idempotency-key-in-use': { status: 409, title: 'A request with this Idempotency-Key is still running' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'The request body must be application/json' },
  unprocessable: { status: 422, title: 'The request is well-formed but cannot be applied' },
  'idempotency-key-reused': { status: 422, title: 'This Idempotency-Key was used with a different request' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'temporal-unavailable': { status: 503, title: 'The workflow service is unavailable' },
  'temporal-busy': { status: 503, title: 'Vigil cannot take more work right now' },
  'database-unavailable': { status: 503, title: 'The database is unavailable' },
  'not-ready': { status: 503, title: 'A service the API depends on is unavailable' },
  internal: { status: 500, title: 'Internal error' },
  'secret-unreadable': { status: 500, title: 'A stored secret cannot be opened with the keys this instance has' },
} as const;

export type ProblemType = keyof typeof PROBLEMS;

export const PROBLEM_TYPES = Object.keys(PROBLEMS) as ProblemType[];

export const problemStatus = (type: ProblemType): number => PROBLEMS[type].status;

export interface FieldError {
  /** Dotted path of the offending field in the request, e.g. `url` or `expectedStatus.1`. */
  field: string;
  message: string;
}

export class Problem extends Error {
  override name = 'Problem';
  constructor(
    readonly type: ProblemType,
    readonly detail?: string,
    readonly extra: {
      errors?: FieldError[];
      retryAfterSeconds?: number;
      /** Response headers the problem needs, e.g. WWW-Authenticate. */
      headers?: Record<string, string>;
      /** Extension members of the problem object (RFC 9457 §3.2), e.g. readiness checks. */
      members?: Record<string, unknown>;
    } = {},
  ) {
    super(detail ?? PROBLEMS[type].title);
  }

  /** The same problem with its fields named inside `at` (e.g. `targets.3`): for one item of a batch. */
  within(at: string): Problem {
    const errors = (this.extra.errors ?? [{ field: '', message: this.message }]).map((e) => ({ ...e, field: e.field ? `${at}.${e.field}` : at }));
    return new Problem(this.type, this.detail, { ...this.extra, errors });
  }

  static invalid(zodError: z.ZodError, location: 'body' | 'query' | 'path' = 'body'): Problem {
    const fieldErrors = (issue: z.core.$ZodIssue, at: PropertyKey[]): FieldError[] => {
      const path = [...at, ...issue.path];
      // An unknown field is reported against the field itself, not its parent object.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: 'unknown field' }));
      }
      // No alternative fits: the faults of the one that came closest, so the answer names fields, not the body.
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        const closest = issue.errors.reduce((best, issues) => (issues.length < best.length ? issues : best));
        return closest.flatMap((inner) => fieldErrors(inner, path));
      }
      return [{ field: path.map(String).join('.') || '(root)', message: issue.message }];
    };
    const errors = zodError.issues.flatMap((issue) => fieldErrors(issue, []));
    const fields = [...new Set(errors.map((e) => e.field))].join(', ');
    return new Problem('invalid-request', `invalid ${location}: ${fields}`, { errors });
  }
}

/** The problem details object (RFC 9457): what a problem answer's body holds, and what a batch says of a refused item. */
export function problemDetails(problem: Problem, instance?: string) {
  const { status, title } = PROBLEMS[problem.type];
  return {
    type: `https://vigil.dev/problems/${problem.type}`,
    title,
    status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    ...(instance ? { instance } : {}),
    ...(problem.extra.errors ? { errors: problem.extra.errors } : {}),
    ...problem.extra.members,
  };
}

export function sendProblem(res: Response, problem: Problem, instance?: string): void {
  if (problem.extra.retryAfterSeconds !== undefined) res.set('Retry-After', String(problem.extra.retryAfterSeconds));
  if (problem.extra.headers) res.set(problem.extra.headers);
  res.status(problemStatus(problem.type)).type('application/problem+json').json(problemDetails(problem, instance));
}

export const notFoundHandler: RequestHandler = (req, res) =>
  sendProblem(res, new Problem('not-found', `no route for ${req.method} ${req.path}`), req.originalUrl);

/** Maps whatever a route threw to a problem; anything unexpected is logged and answered 500 without internals. */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const problem = toProblem(err);
    if (problemStatus(problem.type) === 500) {
      log.error({ err, method: req.method, url: req.originalUrl, requestId: res.locals.requestId }, 'unhandled error');
    }
    sendProblem(res, problem, req.originalUrl);
  };
}

function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  const e = err as { type?: string; code?: string; status?: unknown; message?: string };
  if (e?.type === 'entity.parse.failed') return new Problem('malformed-json');
  if (e?.type === 'entity.too.large') return new Problem('payload-too-large');
  // What Express and body-parser refuse by themselves: a body in a charset or Content-Encoding they cannot read (415),
  // a path that is not valid percent-encoding or a compressed body that does not decompress (400).
  if (e?.status === 415) return new Problem('unsupported-media-type', e.message);
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new Problem('invalid-request', e.message);
  if (isDatabaseUnavailable(e)) return new Problem('database-unavailable', undefined, { retryAfterSeconds: 5 });
  // The operator dropped the key a row was sealed with before resealing it (npm run reseal-secrets): say which key.
  if (err instanceof SecretDecryptionError) return new Problem('secret-unreadable', err.message);
  return new Problem('internal');
}

/**
 * Connection failures and server shutdown (SQLSTATE class 08, 57P0x), pool timeouts, and the same seen through Prisma:
 * its connection error codes (P1001 unreachable, P1002/P1008 timed out, P1017 connection closed, P2024 no pooled
 * connection in time) and the pg adapter's own kinds, with the Postgres error it wraps.
 */
const PRISMA_UNAVAILABLE = ['P1001', 'P1002', 'P1008', 'P1017', 'P2024'];
const ADAPTER_UNAVAILABLE = ['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections'];

function isDatabaseUnavailable(e: { code?: string; message?: string; meta?: unknown } | undefined): boolean {
  const code = e?.code ?? '';
  const cause = (e?.meta as { driverAdapterError?: { cause?: { kind?: string; code?: string } } } | undefined)?.driverAdapterError?.cause;
  return (
    /^08|^57P0|^53300/.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', ...PRISMA_UNAVAILABLE].includes(code) ||
    ADAPTER_UNAVAILABLE.includes(cause?.kind ?? '') ||
    (cause?.kind === 'postgres' && /^08|^57P0/.test(cause.code ?? '')) ||
    /timeout exceeded when trying to connect|Connection terminated/.test(e?.message ?? '')
  );
}

/** `value` as `schema` parses it, or a 400 problem naming every field that is wrong. */
export function validated<S extends z.ZodType>(schema: S, value: unknown, location: 'body' | 'query' | 'path' = 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw Problem.invalid(result.error, location);
  return result.data;
}
