import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { HttpProbe, ProbeResult } from '../../domain/probe';
import { readJsonPath } from './json-path';
import type { AddressGuard } from './address-guard';

/** Enough of a body for any content check; a larger response is read this far and no further. */
const MAX_BODY_BYTES = 1 << 20;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DAY_MS = 86_400_000;

export interface ProbeDeps {
  guard: AddressGuard;
  /** Aborts the probe because the activity was cancelled; a timeout is a result instead. */
  signal?: AbortSignal;
}

interface Response {
  status: number;
  location?: string;
  body: string;
  certificateValidTo?: number;
}

class ProbeTimeout extends Error {}

/** One HTTP(S) check: the request, its redirects, and the judgement of status, body, certificate and latency. */
export async function probeHttp(probe: HttpProbe, { guard, signal }: ProbeDeps): Promise<ProbeResult> {
  const started = performance.now();
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new ProbeTimeout()), probe.timeoutMs);
  const abort = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
  const elapsed = () => Math.round(performance.now() - started);
  try {
    let url = new URL(probe.url);
    let method = probe.method;
    let body = probe.body;
    let res = await request(url, method, probe.headers, body, guard, abort);
    for (let hops = 0; probe.followRedirects && REDIRECTS.has(res.status) && res.location; hops++) {
      if (hops === MAX_REDIRECTS) return { outcome: 'down', latencyMs: elapsed(), statusCode: res.status, error: `more than ${MAX_REDIRECTS} redirects` };
      url = new URL(res.location, url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return { outcome: 'down', latencyMs: elapsed(), statusCode: res.status, error: `redirect to unsupported ${url.protocol}` };
      }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      res = await request(url, method, probe.headers, body, guard, abort);
    }
    return judgeResponse(probe, res, elapsed());
  } catch (err) {
    if (signal?.aborted) throw err;
    return { outcome: 'down', latencyMs: elapsed(), error: describeFailure(err, probe) };
  } finally {
    clearTimeout(timer);
  }
}

function judgeResponse(probe: HttpProbe, res: Response, latencyMs: number): ProbeResult {
  const down = (error: string): ProbeResult => ({ outcome: 'down', latencyMs, statusCode: res.status, error });
  if (!statusExpected(probe.expectedStatus, res.status)) {
    return down(`status ${res.status}, expected ${probe.expectedStatus.join(', ')}`);
  }
  if (probe.bodyContains !== undefined && !res.body.includes(probe.bodyContains)) {
    return down(`body does not contain ${JSON.stringify(probe.bodyContains)}`);
  }
  if (probe.bodyMatches !== undefined && !new RegExp(probe.bodyMatches).test(res.body)) {
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
  const degraded = (error: string): ProbeResult => ({ outcome: 'degraded', latencyMs, statusCode: res.status, error });
  if (res.certificateValidTo !== undefined && probe.tlsExpiryWarnDays > 0) {
    const daysLeft = Math.floor((res.certificateValidTo - Date.now()) / DAY_MS);
    if (daysLeft < probe.tlsExpiryWarnDays) return degraded(`TLS certificate expires in ${daysLeft} days`);
  }
  if (probe.degradedAboveMs !== undefined && latencyMs > probe.degradedAboveMs) {
    return degraded(`responded in ${latencyMs} ms, above ${probe.degradedAboveMs} ms`);
  }
  return { outcome: 'up', latencyMs, statusCode: res.status };
}

export function statusExpected(expected: readonly (number | string)[], status: number): boolean {
  return expected.some((e) =>
    typeof e === 'number' ? e === status : status >= Number(e.slice(0, 3)) && status <= Number(e.slice(4)),
  );
}

function describeFailure(err: unknown, probe: HttpProbe): string {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof ProbeTimeout || e?.name === 'AbortError') return `timed out after ${probe.timeoutMs} ms`;
  if (e?.name === 'ProbeRefusedError') return e.message;
  switch (e?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup failed (${e.code})`;
    default:
      return e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
  }
}

function request(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  guard: AddressGuard,
  signal: AbortSignal,
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
