import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import type { DnsProbe, DnsRecordType, ProbeResult } from '../../domain/probe';
import { Deadline } from './deadline';
import type { ProbeDeps } from './deps';
import { describeFailure, judgeLatency } from './results';

/** Longest error kept from a list of answers (TXT records run to kilobytes). */
const MAX_ERROR_CHARS = 500;

/**
 * One DNS check: asks the resolver for the query's records of one type, and when the probe expects a value, looks for
 * it among them (see DnsProbeSchema for what matches). Asks DNS itself, as a client elsewhere would: /etc/hosts and
 * the system's name-service switch play no part.
 *
 * A configured resolver is an address the probe sends packets to, so the address guard applies to it like to any
 * other: a resolver on a private network is a fine choice, made explicit by allow-listing it. Left out, the system's
 * resolvers are used, unchecked: they are the operator's own configuration of the worker's host, not a target's.
 */
export async function probeDns(probe: DnsProbe, { guard, signal }: ProbeDeps): Promise<ProbeResult> {
  const deadline = new Deadline(probe.timeoutMs, signal);
  // One try as long as the whole probe: the deadline ends the probe then anyway.
  const resolver = new Resolver({ timeout: probe.timeoutMs, tries: 1 });
  const cancel = () => resolver.cancel();
  deadline.signal.addEventListener('abort', cancel);
  try {
    if (probe.resolver) {
      guard.check(resolverAddress(probe.resolver));
      resolver.setServers([probe.resolver]);
    }
    const answers = await resolve(resolver, probe.query, probe.recordType);
    const latencyMs = deadline.elapsed();
    if (probe.expect !== undefined && !expectationMet(probe.recordType, probe.expect, answers)) {
      return { outcome: 'down', latencyMs, error: truncate(unmetExpectation(probe.recordType, probe.expect, answers)) };
    }
    return judgeLatency(latencyMs, probe.degradedAboveMs, 'answered');
  } catch (err) {
    return deadline.down(err, (e) => describeDnsFailure(e, probe));
  } finally {
    deadline.signal.removeEventListener('abort', cancel);
    deadline.dispose();
  }
}

/** The IP address in `1.1.1.1`, `1.1.1.1:53`, `::1` or `[::1]:53`. */
function resolverAddress(resolver: string): string {
  if (resolver.startsWith('[')) return resolver.slice(1, resolver.indexOf(']'));
  return net.isIP(resolver) ? resolver : resolver.slice(0, resolver.lastIndexOf(':'));
}

/** The answers as comparable strings: addresses in canonical form, names in lower case without the final dot. */
async function resolve(resolver: Resolver, query: string, type: DnsRecordType): Promise<string[]> {
  switch (type) {
    case 'A':
      return resolver.resolve4(query);
    case 'AAAA':
      return (await resolver.resolve6(query)).map(canonicalIpv6);
    case 'CNAME':
      return (await resolver.resolveCname(query)).map(canonicalName);
    case 'MX':
      return (await resolver.resolveMx(query)).map((mx) => canonicalName(mx.exchange));
    case 'TXT':
      // A TXT record is a list of strings of at most 255 bytes each; long values (DKIM keys) are split across them.
      return (await resolver.resolveTxt(query)).map((strings) => strings.join(''));
  }
}

function expectationMet(type: DnsRecordType, expect: string, answers: string[]): boolean {
  if (type === 'TXT') return answers.some((txt) => txt.includes(expect));
  return answers.includes(canonical(type, expect));
}

function unmetExpectation(type: DnsRecordType, expect: string, answers: string[]): string {
  if (type === 'TXT') return `no TXT record contains ${JSON.stringify(expect)}; got ${answers.map((a) => JSON.stringify(a)).join(', ')}`;
  return `no ${type} record is ${canonical(type, expect)}; got ${answers.join(', ')}`;
}

function canonical(type: Exclude<DnsRecordType, 'TXT'>, value: string): string {
  if (type === 'A') return value;
  return type === 'AAAA' ? canonicalIpv6(value) : canonicalName(value);
}

const canonicalIpv6 = (address: string): string => new URL(`http://[${address}]/`).hostname.slice(1, -1);
const canonicalName = (name: string): string => name.toLowerCase().replace(/\.$/, '');

const truncate = (s: string): string => (s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS - 1)}…` : s);

function describeDnsFailure(err: unknown, probe: DnsProbe): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOTFOUND':
      return `${probe.query} does not exist (NXDOMAIN)`;
    case 'ENODATA':
      return `${probe.query} has no ${probe.recordType} records`;
    case 'ETIMEOUT':
      return `timed out after ${probe.timeoutMs} ms`;
    case 'ESERVFAIL':
      return 'the resolver could not answer (SERVFAIL)';
    case 'EREFUSED':
      return 'the resolver refused the query (REFUSED)';
    case 'ECONNREFUSED':
      return 'the resolver refused the connection (nothing listens there)';
    default:
      return describeFailure(err);
  }
}
