import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { RE2JS } from 're2js';
import type { HttpProbe, ProbeResult } from '../../domain/probe';
import type { AddressGuard } from './address-guard';
import { Deadline } from './deadline';
import type { ProbeDeps } from './deps';
import { readJsonPath } from './json-path';
import { judgeLatency } from './results';

/** Enough of a body for any content check; a larger response is read this far and no further. */
const MAX_BODY_BYTES = 1 << 20;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DAY_MS = 86_400_000;
/** Never sent on to another origin by a redirect (as browsers and curl do): they are meant for the first one. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
/** Dropped with the body when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']);

interface Response {
  status: number;
  location?: string;
  body: string;
  certificateValidTo?: number;
}

/** The certificate that expires first among those the probe met on its way (redirects included). */
interface Certificate {
  host: string;
  validTo: number;
}

/** One HTTP(S) check: the request, its redirects, and the judgement of status, body, certificate and latency. */
export async function probeHttp(probe: HttpProbe, { guard, signal, tlsContext }: ProbeDeps): Promise<ProbeResult> {
  const deadline = new Deadline(probe.timeoutMs, signal);
  const send = (url: URL, method: string, headers: Record<string, string>, body: string | undefined) =>
    request(url, method, headers, body, { guard, signal: deadline.signal, tlsContext });
  try {
    let url = new URL(probe.url);
    let { method, headers, body } = probe;
    let res = await send(url, method, headers, body);
    let certificate = firstToExpire(undefined, url, res);
    for (let hops = 0; probe.followRedirects && REDIRECTS.has(res.status) && res.location; hops++) {
      const down = (error: string): ProbeResult => ({ outcome: 'down', latencyMs: deadline.elapsed(), statusCode: res.status, error });
      if (hops === MAX_REDIRECTS) return down(`more than ${MAX_REDIRECTS} redirects`);
      const next = resolveLocation(res.location, url);
      if (!next) return down(`redirect to an invalid location ${JSON.stringify(res.location)}`);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return down(`redirect to unsupported ${next.protocol}`);
      if (next.origin !== url.origin) headers = without(headers, CREDENTIAL_HEADERS);
      if ((res.status === 303 && method !== 'HEAD') || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = without(headers, BODY_HEADERS);
      }
      url = next;
      res = await send(url, method, headers, body);
      certificate = firstToExpire(certificate, url, res);
    }
    return judgeResponse(probe, res, deadline.elapsed(), certificate);
  } catch (err) {
    return deadline.down(err);
  } finally {
    deadline.dispose();
  }
}

function resolveLocation(location: string, base: URL): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

function firstToExpire(earliest: Certificate | undefined, url: URL, res: Response): Certificate | undefined {
  if (res.certificateValidTo === undefined || (earliest && earliest.validTo <= res.certificateValidTo)) return earliest;
  return { host: url.host, validTo: res.certificateValidTo };
}

function without(headers: Record<string, string>, names: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.has(name.toLowerCase())));
}

function judgeResponse(probe: HttpProbe, res: Response, latencyMs: number, certificate?: Certificate): ProbeResult {
  const down = (error: string): ProbeResult => ({ outcome: 'down', latencyMs, statusCode: res.status, error });
  if (!statusExpected(probe.expectedStatus, res.status)) {
    return down(`status ${res.status}, expected ${probe.expectedStatus.join(', ')}`);
  }
  if (probe.bodyContains !== undefined && !res.body.includes(probe.bodyContains)) {
    return down(`body does not contain ${JSON.stringify(probe.bodyContains)}`);
  }
  if (probe.bodyMatches !== undefined && !RE2JS.compile(probe.bodyMatches).matcher(res.body).find()) {
    return down(`body does not match /${probe.bodyMatches}/`);
  }
  if (probe.jsonPath) {
    const { path, equals } = probe.jsonPath;
    let actual: unknown;
    try {
      actual = readJsonPath(JSON.parse(res.body), path);
    } catch {
      return down('body is not valid JSON');
    }
    if (actual !== equals) return down(`${path} is ${JSON.stringify(actual) ?? 'missing'}, expected ${JSON.stringify(equals)}`);
  }
  if (certificate && probe.tlsExpiryWarnDays > 0) {
    const daysLeft = Math.floor((certificate.validTo - Date.now()) / DAY_MS);
    if (daysLeft < probe.tlsExpiryWarnDays) {
      return { outcome: 'degraded', latencyMs, statusCode: res.status, error: `TLS certificate of ${certificate.host} expires in ${daysLeft} days` };
    }
  }
  return judgeLatency(latencyMs, probe.degradedAboveMs, 'responded', res.status);
}

export function statusExpected(expected: readonly (number | string)[], status: number): boolean {
  return expected.some((e) => (typeof e === 'number' ? e === status : status >= Number(e.slice(0, 3)) && status <= Number(e.slice(4))));
}

function request(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  { guard, signal, tlsContext }: { guard: AddressGuard; signal: AbortSignal; tlsContext: ProbeDeps['tlsContext'] },
): Promise<Response> {
  // An IP literal never reaches `lookup`, so it is checked here; names are checked after resolution.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host)) guard.check(host);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Response>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method,
        headers: { 'user-agent': 'Vigil/0.1 (+uptime monitor)', ...headers },
        lookup: guard.lookup,
        agent: false,
        signal,
        ...(tlsContext ? { secureContext: tlsContext } : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
            certificateValidTo: cert?.valid_to ? Date.parse(cert.valid_to) : undefined,
          });
          res.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          if (size >= MAX_BODY_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_BODY_BYTES) done();
        });
        res.on('end', done);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
