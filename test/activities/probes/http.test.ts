import tls from 'node:tls';
import { AddressGuard } from '../../../src/activities/probes/address-guard';
import { probeHttp } from '../../../src/activities/probes/http';
import { HttpProbeSchema } from '../../../src/domain/probe';
import { createTestCa, daysFromNow, selfSigned, type TestCa } from './certificates';
import { startHttpServer, type TestServer } from './servers';

const guard = new AddressGuard(['127.0.0.0/8', '::1/128']);
const http = (url: string, fields: Record<string, unknown> = {}) => HttpProbeSchema.parse({ kind: 'http', url, ...fields });

describe('the HTTP probe, against a local server', () => {
  /** Answers by path; see each test. */
  let server: TestServer;
  /** A second origin (another loopback address) for redirects that leave the first. */
  let other: TestServer;

  beforeAll(async () => {
    other = await startHttpServer((_req, res) => res.end('elsewhere'), { host: '127.0.0.2' });
    server = await startHttpServer((req, res) => {
      const [path, query = ''] = req.path.split('?');
      const params = new URLSearchParams(query);
      const wait = Number(params.get('wait') ?? 0);
      switch (path) {
        case '/echo':
          return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req));
        case '/status':
          return res.writeHead(Number(params.get('code'))).end();
        case '/redirect':
          return res.writeHead(Number(params.get('code') ?? 302), { location: params.get('to') ?? '/echo' }).end();
        case '/loop':
          return res.writeHead(302, { location: '/loop' }).end();
        case '/json':
          return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { items: [{ status: 'ok', n: 3 }] } }));
        case '/text':
          return res.end('<html><title>Shop</title><p>All systems operational, build 4711</p></html>');
        case '/aaa':
          return res.end(`${'a'.repeat(64)}!`);
        case '/slow':
          return setTimeout(() => res.end('late'), wait);
        case '/stall':
          // Headers at once, then the body never finishes.
          res.writeHead(200).write('partial');
          return;
        default:
          return res.writeHead(404).end();
      }
    });
  });
  afterAll(() => Promise.all([server.close(), other.close()]));

  const last = () => server.received.at(-1)!;

  describe('sends the request as configured', () => {
    it('with its method, headers and body', async () => {
      const probe = http(`${server.url}/echo`, {
        method: 'PUT',
        headers: { 'x-probe': 'vigil', 'content-type': 'application/json' },
        body: '{"ping":1}',
      });
      expect(await probeHttp(probe, { guard })).toMatchObject({ outcome: 'up', statusCode: 200 });
      expect(last()).toMatchObject({ method: 'PUT', body: '{"ping":1}', headers: { 'x-probe': 'vigil', 'content-type': 'application/json' } });
      expect(last().headers['user-agent']).toMatch(/^Vigil\//);
    });

    it('with the user agent the target configures, if any', async () => {
      await probeHttp(http(`${server.url}/echo`, { headers: { 'User-Agent': 'custom/1.0' } }), { guard });
      expect(last().headers['user-agent']).toBe('custom/1.0');
    });

    it('HEAD, with no body to read', async () => {
      expect(await probeHttp(http(`${server.url}/echo`, { method: 'HEAD' }), { guard })).toMatchObject({ outcome: 'up', statusCode: 200 });
      expect(last().method).toBe('HEAD');
    });
  });

  describe('redirects', () => {
    it('follows them and judges where they end', async () => {
      const result = await probeHttp(http(`${server.url}/redirect?code=301&to=/redirect%3Fcode%3D307`, { bodyContains: '"path":"/echo"' }), { guard });
      expect(result).toMatchObject({ outcome: 'up', statusCode: 200 });
    });

    it('judges the redirect itself when following is off', async () => {
      const off = http(`${server.url}/redirect`, { followRedirects: false });
      expect(await probeHttp(off, { guard })).toMatchObject({ outcome: 'down', statusCode: 302, error: 'status 302, expected 200-299' });
      expect(await probeHttp({ ...off, expectedStatus: [302] }, { guard })).toMatchObject({ outcome: 'up', statusCode: 302 });
    });

    it('gives up on a loop after 5 redirects', async () => {
      const before = server.received.length;
      expect(await probeHttp(http(`${server.url}/loop`), { guard })).toMatchObject({ outcome: 'down', statusCode: 302, error: 'more than 5 redirects' });
      expect(server.received.length - before).toBe(6);
    });

    it('turns a POST into a GET without its body and body headers on 303, keeping the other headers', async () => {
      const probe = http(`${server.url}/redirect?code=303`, { method: 'POST', body: 'form=1', headers: { 'content-type': 'text/plain', 'x-keep': '1' } });
      expect(await probeHttp(probe, { guard })).toMatchObject({ outcome: 'up' });
      expect(last()).toMatchObject({ method: 'GET', body: '', headers: { 'x-keep': '1' } });
      expect(last().headers['content-type']).toBeUndefined();
    });

    it('keeps the method and body on 307', async () => {
      await probeHttp(http(`${server.url}/redirect?code=307`, { method: 'POST', body: 'form=1' }), { guard });
      expect(last()).toMatchObject({ method: 'POST', body: 'form=1' });
    });

    it('keeps HEAD a HEAD on 303', async () => {
      await probeHttp(http(`${server.url}/redirect?code=303`, { method: 'HEAD' }), { guard });
      expect(last().method).toBe('HEAD');
    });

    it('keeps credentials on the same origin, and never sends them on to another', async () => {
      const headers = { authorization: 'Bearer secret', Cookie: 'session=1', 'x-trace': 't' };
      await probeHttp(http(`${server.url}/redirect`, { headers }), { guard });
      expect(last().headers).toMatchObject({ authorization: 'Bearer secret', cookie: 'session=1', 'x-trace': 't' });

      const away = encodeURIComponent(`${other.url}/landing`);
      expect(await probeHttp(http(`${server.url}/redirect?to=${away}`, { headers }), { guard })).toMatchObject({ outcome: 'up' });
      const landed = other.received.at(-1)!;
      expect(landed.path).toBe('/landing');
      expect(landed.headers['x-trace']).toBe('t');
      expect(landed.headers.authorization).toBeUndefined();
      expect(landed.headers.cookie).toBeUndefined();
    });

    it('is down on a redirect to something other than http(s)', async () => {
      const result = await probeHttp(http(`${server.url}/redirect?to=${encodeURIComponent('ftp://127.0.0.1/x')}`), { guard });
      expect(result).toMatchObject({ outcome: 'down', statusCode: 302, error: 'redirect to unsupported ftp:' });
    });

    it('is down, without following, on a redirect to an address the guard refuses', async () => {
      const strictOther = new AddressGuard(['127.0.0.1/32']);
      const before = other.received.length;
      const result = await probeHttp(http(`${server.url}/redirect?to=${encodeURIComponent(`${other.url}/`)}`), { guard: strictOther });
      expect(result).toMatchObject({ outcome: 'down', error: expect.stringContaining('refused to probe 127.0.0.2: loopback address') });
      expect(other.received.length).toBe(before);
    });
  });

  describe('expected status codes', () => {
    const expectedStatus = [204, '300-399'];
    it.each([
      [204, 'up'],
      [301, 'up'],
      [399, 'up'],
      [200, 'down'],
      [404, 'down'],
    ])('with [204, "300-399"], %i is %s', async (code, outcome) => {
      const result = await probeHttp(http(`${server.url}/status?code=${code}`, { expectedStatus, followRedirects: false }), { guard });
      expect(result).toMatchObject({ outcome, statusCode: code });
      if (outcome === 'down') expect(result.error).toBe(`status ${code}, expected 204, 300-399`);
    });

    it('by default, 2xx is up and 5xx down', async () => {
      expect(await probeHttp(http(`${server.url}/status?code=299`), { guard })).toMatchObject({ outcome: 'up' });
      expect(await probeHttp(http(`${server.url}/status?code=503`), { guard })).toMatchObject({ outcome: 'down', error: 'status 503, expected 200-299' });
    });
  });

  describe('body checks', () => {
    /** `up`, or the error of a down result. */
    const judged = (result: { outcome: string; error?: string }) => (result.outcome === 'up' ? 'up' : `${result.outcome}: ${result.error}`);

    it.each([
      [{ bodyContains: 'All systems operational' }, 'up'],
      [{ bodyContains: 'Major outage' }, 'down: body does not contain "Major outage"'],
      [{ bodyMatches: 'build \\d{4}' }, 'up'],
      [{ bodyMatches: '^build' }, 'down: body does not match /^build/'],
    ])('%o on an HTML page: %s', async (check, expected) => {
      expect(judged(await probeHttp(http(`${server.url}/text`, check), { guard }))).toBe(expected);
    });

    it('matches a pattern in time linear in the body: one that backtracks exponentially in JavaScript is judged at once', async () => {
      const result = await probeHttp(http(`${server.url}/aaa`, { bodyMatches: '^(a+)+$' }), { guard });
      expect(judged(result)).toBe('down: body does not match /^(a+)+$/');
    });

    it.each([
      ['$.data.items[0].status', 'ok', 'up'],
      ['data.items[0].n', 3, 'up'],
      ['$.data.items[0].status', 'down', 'down: $.data.items[0].status is "ok", expected "down"'],
      ['$.data.items[0].n', '3', 'down: $.data.items[0].n is 3, expected "3"'],
      ['$.data.items[1].status', 'ok', 'down: $.data.items[1].status is missing, expected "ok"'],
    ])('JSON path %s equals %p: %s', async (path, equals, expected) => {
      expect(judged(await probeHttp(http(`${server.url}/json`, { jsonPath: { path, equals } }), { guard }))).toBe(expected);
    });

    it('is down when a JSON path is asked of a body that is not JSON', async () => {
      const result = await probeHttp(http(`${server.url}/text`, { jsonPath: { path: '$.status', equals: 'ok' } }), { guard });
      expect(result).toMatchObject({ outcome: 'down', error: 'body is not valid JSON' });
    });
  });

  describe('time', () => {
    it('is degraded when slower than degradedAboveMs, and up when faster', async () => {
      const slow = await probeHttp(http(`${server.url}/slow?wait=150`, { degradedAboveMs: 50 }), { guard });
      expect(slow).toMatchObject({ outcome: 'degraded', statusCode: 200, error: expect.stringMatching(/^responded in \d+ ms, above 50 ms$/) });
      expect(slow.latencyMs).toBeGreaterThanOrEqual(150);
      expect(await probeHttp(http(`${server.url}/slow?wait=0`, { degradedAboveMs: 1_000 }), { guard })).toMatchObject({ outcome: 'up' });
    });

    it('is down when no answer comes within the timeout, and stops waiting then', async () => {
      const result = await probeHttp(http(`${server.url}/slow?wait=2000`, { timeoutMs: 200 }), { guard });
      expect(result).toEqual({ outcome: 'down', latencyMs: expect.any(Number), error: 'timed out after 200 ms' });
      expect(result.latencyMs).toBeGreaterThanOrEqual(195);
      expect(result.latencyMs).toBeLessThan(1_000);
    });

    it('is down when the body does not finish within the timeout', async () => {
      const result = await probeHttp(http(`${server.url}/stall`, { timeoutMs: 200 }), { guard });
      expect(result).toMatchObject({ outcome: 'down', error: 'timed out after 200 ms' });
    });

    it('throws when the activity is cancelled: a cancellation is not a result', async () => {
      const cancel = new AbortController();
      const probe = probeHttp(http(`${server.url}/slow?wait=2000`), { guard, signal: cancel.signal });
      setTimeout(() => cancel.abort(), 50);
      await expect(probe).rejects.toThrow();
    });
  });
});

describe('the HTTP probe over TLS, against local HTTPS servers with certificates made by the test', () => {
  let ca: TestCa;
  /** The probe trusts the test's CA as a production deployment trusts the public ones. */
  let tlsContext: tls.SecureContext;
  const servers: TestServer[] = [];
  const serve = async (credentials: { cert: string; key: string }, answer?: (path: string) => [number, Record<string, string>]) => {
    const s = await startHttpServer(
      (req, res) => {
        const [status, headers] = answer?.(req.path) ?? [200, {}];
        res.writeHead(status, headers).end('secure');
      },
      { tls: credentials },
    );
    servers.push(s);
    return s;
  };

  beforeAll(() => {
    ca = createTestCa();
    tlsContext = tls.createSecureContext({ ca: ca.cert });
  });
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('is up with a certificate far from expiry', async () => {
    const s = await serve(ca.issue({ notAfter: daysFromNow(90) }));
    expect(await probeHttp(http(s.url), { guard, tlsContext })).toMatchObject({ outcome: 'up', statusCode: 200 });
  });

  it('is degraded when the certificate expires within tlsExpiryWarnDays, saying in how many days', async () => {
    const s = await serve(ca.issue({ notAfter: daysFromNow(3.5) }));
    expect(await probeHttp(http(s.url), { guard, tlsContext })).toMatchObject({
      outcome: 'degraded',
      statusCode: 200,
      error: `TLS certificate of ${s.host} expires in 3 days`,
    });
    expect(await probeHttp(http(s.url, { tlsExpiryWarnDays: 3 }), { guard, tlsContext })).toMatchObject({ outcome: 'up' });
    expect(await probeHttp(http(s.url, { tlsExpiryWarnDays: 0 }), { guard, tlsContext })).toMatchObject({ outcome: 'up' });
  });

  it('warns of the first certificate to expire on the way, not only the last', async () => {
    const final = await serve(ca.issue({ notAfter: daysFromNow(90) }));
    const first = await serve(ca.issue({ notAfter: daysFromNow(5.5) }), () => [301, { location: `${final.url}/home` }]);
    expect(await probeHttp(http(first.url), { guard, tlsContext })).toMatchObject({
      outcome: 'degraded',
      error: `TLS certificate of ${first.host} expires in 5 days`,
    });
  });

  it('is down with the TLS error when the certificate has expired', async () => {
    const s = await serve(ca.issue({ notBefore: daysFromNow(-30), notAfter: daysFromNow(-1) }));
    expect(await probeHttp(http(s.url), { guard, tlsContext })).toMatchObject({
      outcome: 'down',
      error: 'TLS certificate rejected: certificate has expired (CERT_HAS_EXPIRED)',
    });
  });

  it('is down with the TLS error when the certificate is self-signed', async () => {
    const s = await serve(selfSigned());
    expect(await probeHttp(http(s.url), { guard, tlsContext })).toMatchObject({
      outcome: 'down',
      error: 'TLS certificate rejected: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    });
  });

  it('is down when the certificate names another host', async () => {
    const s = await serve(ca.issue({ notAfter: daysFromNow(90), names: { dns: ['shop.example'] } }));
    expect(await probeHttp(http(s.url), { guard, tlsContext })).toMatchObject({
      outcome: 'down',
      error: expect.stringMatching(/^TLS certificate rejected: .*127\.0\.0\.1.* \(ERR_TLS_CERT_ALTNAME_INVALID\)$/),
    });
  });

  it('trusts only the usual roots when given no TLS context: a private CA is not trusted by default', async () => {
    const s = await serve(ca.issue({ notAfter: daysFromNow(90) }));
    expect(await probeHttp(http(s.url), { guard })).toMatchObject({
      outcome: 'down',
      error: 'TLS certificate rejected: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    });
  });
});
