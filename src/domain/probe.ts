import { z } from 'zod';
import { RE2JS } from 're2js';

/**
 * What a probe is told to do, per kind. Shared by the API (validation), the workflow (carried in its input and
 * checked again by its update validator) and the activities (executed). Pure: imported by workflow code.
 */

const statusRange = z
  .string()
  .regex(/^[1-5]\d\d-[1-5]\d\d$/, 'a status code range looks like "200-299"')
  .refine((r) => Number(r.slice(0, 3)) <= Number(r.slice(4)), 'a range must run from low to high')
  .meta({ 'x-vigil-rule': 'a range runs from low to high' });

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid HTTP header name');

/** `$.data.items[0].status`: dotted keys and array indexes; the leading `$.` is optional. */
export const JSON_PATH = /^(\$\.?)?([A-Za-z_][\w-]*|\[\d+\])(\.?([A-Za-z_][\w-]*)|\[\d+\])*$/;

/**
 * Body patterns are RE2 syntax, matched in time linear in the body (src/activities/probes/http.ts): a pattern such as
 * `(a+)+$` cannot stall a worker's event loop, and with it every probe that worker runs. RE2 has no lookarounds or
 * backreferences.
 */
const isRe2 = (source: string): boolean => {
  try {
    RE2JS.compile(source);
    return true;
  } catch {
    return false;
  }
};

/** How long a probe may take before it counts as down. */
const timeoutMs = z.int().min(100).max(60_000).default(10_000);
/** Slower than this (but otherwise fine) counts as degraded, not down. */
const degradedAboveMs = z.int().min(1).max(60_000).optional();

const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
export const isIpv4 = (s: string): boolean => IPV4.test(s);
/** Pure (no node:net): the URL parser is the IPv6 grammar, dotted IPv4 tails included; zone ids are refused. */
export const isIpv6 = (s: string): boolean => {
  if (!/^[\da-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
};

/**
 * A DNS name: labels of letters, digits, hyphens and underscores (`_dmarc.example.com`), at most 253 characters, an
 * optional final dot. The last label may not be all digits, so a mistyped IP address is never taken for a name.
 */
const DNS_NAME = /^(?=.{1,253}\.?$)([\w](?:[\w-]{0,61}[\w])?\.)*(?!\d+\.?$)[\w](?:[\w-]{0,61}[\w])?\.?$/;
export const isDnsName = (s: string): boolean => DNS_NAME.test(s);

const host = z
  .string()
  .refine((h) => isDnsName(h) || isIpv4(h) || isIpv6(h), 'must be a DNS name or an IP address (IPv6 without brackets)')
  .meta({
    anyOf: [
      { type: 'string', pattern: DNS_NAME.source },
      { type: 'string', format: 'ipv4' },
      { type: 'string', format: 'ipv6' },
    ],
  });

/** `1.1.1.1`, `1.1.1.1:53`, `2606:4700::1111` or `[2606:4700::1111]:53`: the forms the resolver accepts. */
const resolverAddress = z
  .string()
  .refine((r) => {
    const v6 = /^\[(.+)\]:(\d+)$/.exec(r);
    const v4 = /^([\d.]+):(\d+)$/.exec(r);
    const [address, port] = v6 ? [v6[1]!, v6[2]] : v4 ? [v4[1]!, v4[2]] : [r, undefined];
    const validPort = port === undefined || (Number(port) >= 1 && Number(port) <= 65_535);
    return validPort && (v6 ? isIpv6(address) : isIpv4(address) || (port === undefined && isIpv6(address)));
  }, 'a resolver is an IP address with an optional port: 1.1.1.1, 1.1.1.1:53, 2606:4700::1111 or [2606:4700::1111]:53')
  .meta({
    'x-vigil-rule': 'an IP address with an optional port: 1.1.1.1, 1.1.1.1:53, 2606:4700::1111 or [2606:4700::1111]:53',
  });

export const HttpProbeSchema = z.strictObject({
  kind: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' }).max(2048),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(headerName, z.string().max(8192)).default({}),
  body: z.string().max(65_536).optional(),
  timeoutMs,
  followRedirects: z.boolean().default(true),
  /** Status codes and ranges that count as success. */
  expectedStatus: z
    .array(z.union([z.int().min(100).max(599), statusRange]))
    .min(1)
    .max(50)
    .default(['200-299']),
  bodyContains: z.string().min(1).max(4096).optional(),
  bodyMatches: z
    .string()
    .min(1)
    .max(1024)
    .refine(isRe2, 'not a regular expression in RE2 syntax (no lookarounds or backreferences)')
    .meta({ format: 'regex', 'x-vigil-rule': 'RE2 syntax: no lookarounds or backreferences' })
    .optional(),
  jsonPath: z
    .strictObject({
      path: z.string().regex(JSON_PATH, 'a JSON path looks like $.data.items[0].status'),
      equals: z.union([z.string(), z.number(), z.boolean(), z.null()]),
    })
    .optional(),
  degradedAboveMs,
  /** An https certificate expiring within this many days marks the target degraded. 0 turns the warning off. */
  tlsExpiryWarnDays: z.int().min(0).max(365).default(14),
});
export type HttpProbe = z.infer<typeof HttpProbeSchema>;

/** A TCP connect: up once the handshake completes. */
export const TcpProbeSchema = z.strictObject({
  kind: z.literal('tcp'),
  host,
  port: z.int().min(1).max(65_535),
  timeoutMs,
  degradedAboveMs,
});
export type TcpProbe = z.infer<typeof TcpProbeSchema>;

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** What `expect` must look like for each record type (TXT takes any text). */
const EXPECTED_VALUE: Record<DnsRecordType, [(s: string) => boolean, string] | undefined> = {
  A: [isIpv4, 'an A record is an IPv4 address'],
  AAAA: [isIpv6, 'an AAAA record is an IPv6 address'],
  CNAME: [isDnsName, 'a CNAME record is a DNS name'],
  MX: [isDnsName, "an MX record is compared by its exchange's DNS name"],
  TXT: undefined,
};

/**
 * A DNS lookup of one record type, against `resolver` (the system's resolvers when left out). Up when the name has
 * records of that type and, with `expect`, one of them is that value: the same address (A, AAAA), the same name
 * (CNAME, the exchange of an MX; case and a final dot ignored), or, for TXT, a record whose strings joined contain it
 * (TXT records are long, and what one checks is a token in them, such as `v=spf1` or a verification code).
 */
export const DnsProbeSchema = z
  .strictObject({
    kind: z.literal('dns'),
    /** The name to look up. (Not `name`: that is the target's own name, beside the probe's fields in the API.) */
    query: z.string().regex(DNS_NAME, 'must be a DNS name'),
    recordType: z.enum(DNS_RECORD_TYPES).default('A'),
    resolver: resolverAddress.optional(),
    expect: z
      .string()
      .min(1)
      .max(4096)
      .meta({ 'x-vigil-rule': 'an IPv4 address for A, IPv6 for AAAA, a DNS name for CNAME and MX, any text for TXT' })
      .optional(),
    timeoutMs,
    degradedAboveMs,
  })
  .superRefine(({ recordType, expect }, ctx) => {
    const rule = EXPECTED_VALUE[recordType];
    if (expect !== undefined && rule && !rule[0](expect)) ctx.addIssue({ code: 'custom', path: ['expect'], message: rule[1] });
  });
export type DnsProbe = z.infer<typeof DnsProbeSchema>;

/**
 * A heartbeat (push) check, for cron jobs and batch work: nothing is probed; the job pings
 * `/v1/ping/<token>` (also `/start` and `/fail`) and the target is down when no success ping arrives within its interval
 * plus `graceSeconds`, or when the job reports failure. The token is the job's credential: random, and filled in by
 * the API when left out.
 */
export const HeartbeatProbeSchema = z.strictObject({
  kind: z.literal('heartbeat'),
  graceSeconds: z
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(60),
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{22,64}$/, 'a ping token is 22 to 64 characters of A-Z, a-z, 0-9, _ and -')
    .optional(),
});
export type HeartbeatProbe = z.infer<typeof HeartbeatProbeSchema>;

export const ProbeSchema = z.discriminatedUnion('kind', [HttpProbeSchema, TcpProbeSchema, DnsProbeSchema, HeartbeatProbeSchema]);
export type Probe = z.infer<typeof ProbeSchema>;
/** The kinds a worker goes out and probes; a heartbeat target is judged from the pings it receives instead. */
export type ActiveProbe = Exclude<Probe, HeartbeatProbe>;

/** What one probe found. A target's failure is an outcome here, never an exception. */
export type Outcome = 'up' | 'degraded' | 'down';

export interface ProbeResult {
  outcome: Outcome;
  latencyMs: number;
  statusCode?: number;
  /** Why the outcome is not `up`. */
  error?: string;
}
