import { z } from 'zod';

/**
 * What a probe is told to do, per kind. Shared by the API (validation), the workflow (carried in its input and
 * checked again by its update validator) and the activities (executed). Pure: imported by workflow code.
 */

const statusRange = z
  .string()
  .regex(/^[1-5]\d\d-[1-5]\d\d$/, 'a status code range looks like "200-299"')
  .refine((r) => Number(r.slice(0, 3)) <= Number(r.slice(4)), 'a range must run from low to high');

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid HTTP header name');

/** `$.data.items[0].status`: dotted keys and array indexes; the leading `$.` is optional. */
export const JSON_PATH = /^(\$\.?)?([A-Za-z_][\w-]*|\[\d+\])(\.?([A-Za-z_][\w-]*)|\[\d+\])*$/;

const isRegex = (source: string): boolean => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
};

export const HttpProbeSchema = z.strictObject({
  kind: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' }).max(2048),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(headerName, z.string().max(8192)).default({}),
  body: z.string().max(65_536).optional(),
  timeoutMs: z.int().min(100).max(60_000).default(10_000),
  followRedirects: z.boolean().default(true),
  /** Status codes and ranges that count as success. */
  expectedStatus: z.array(z.union([z.int().min(100).max(599), statusRange])).min(1).max(50).default(['200-299']),
  bodyContains: z.string().min(1).max(4096).optional(),
  bodyMatches: z.string().min(1).max(1024).refine(isRegex, 'not a valid regular expression').optional(),
  jsonPath: z
    .strictObject({
      path: z.string().regex(JSON_PATH, 'a JSON path looks like $.data.items[0].status'),
      equals: z.union([z.string(), z.number(), z.boolean(), z.null()]),
    })
    .optional(),
  /** Slower than this (but otherwise fine) counts as degraded, not down. */
  degradedAboveMs: z.int().min(1).max(60_000).optional(),
  /** An https certificate expiring within this many days marks the target degraded. 0 turns the warning off. */
  tlsExpiryWarnDays: z.int().min(0).max(365).default(14),
});
export type HttpProbe = z.infer<typeof HttpProbeSchema>;

export const ProbeSchema = z.discriminatedUnion('kind', [HttpProbeSchema]);
export type Probe = z.infer<typeof ProbeSchema>;

/** What one probe found. A target's failure is an outcome here, never an exception. */
export type Outcome = 'up' | 'degraded' | 'down';

export interface ProbeResult {
  outcome: Outcome;
  latencyMs: number;
  statusCode?: number;
  /** Why the outcome is not `up`. */
  error?: string;
}
