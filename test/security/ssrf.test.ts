import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import net from 'node:net';
import { AddressGuard, type Resolve } from '../../src/activities/probes/address-guard';
import { probeDns } from '../../src/activities/probes/dns';
import { probeHttp } from '../../src/activities/probes/http';
import { probeTcp } from '../../src/activities/probes/tcp';
import { post } from '../../src/activities/notifications/http';
import { DnsProbeSchema, HttpProbeSchema, TcpProbeSchema } from '../../src/domain/probe';

/**
 * The address guard against a caller who controls a target's URL, its redirects and its DNS: only 127.0.0.1/32 is
 * allowed here, and 127.0.0.2 stands for a private service (the metadata endpoint, the internal network) that must
 * never see a connection from a probe or a webhook, however it is reached.
 */

/** A server on one address that counts every TCP connection it accepts, whatever comes of it. */
interface Listener {
  port: number;
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

async function listen(host: string, port: number, answer: http.RequestListener): Promise<Listener> {
  const listener: Listener = { port, connections: 0, requests: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    listener.requests.push(req.url ?? '');
    answer(req, res);
  });
  server.on('connection', () => listener.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  listener.port = (server.address() as net.AddressInfo).port;
  listener.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return listener;
}

/** A stand-in for DNS: each name answers the next of its addresses in turn (the last one for ever after). */
function scriptedDns(answers: Record<string, string[]>): Resolve & { asked: string[] } {
  const asked: string[] = [];
  const calls = new Map<string, number>();
  const resolve = ((hostname, _options, callback) => {
    asked.push(hostname);
    const list = answers[hostname];
    if (!list) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    const n = calls.get(hostname) ?? 0;
    calls.set(hostname, n + 1);
    const address = list[Math.min(n, list.length - 1)]!;
    const addresses: LookupAddress[] = [{ address, family: net.isIP(address) }];
    setImmediate(() => callback(null, addresses));
  }) as Resolve & { asked: string[] };
  resolve.asked = asked;
  return resolve;
}

const http_ = (url: string, fields: Record<string, unknown> = {}) => HttpProbeSchema.parse({ kind: 'http', url, timeoutMs: 3000, ...fields });

describe('the address guard holds against redirects, DNS rebinding and address tricks', () => {
  let publicSite: Listener;
  let privateSite: Listener;

  beforeAll(async () => {
    // The same port on both addresses, so that only the address differs between "public" and "private".
    for (let attempt = 0; ; attempt++) {
      publicSite = await listen('127.0.0.1', 0, (req, res) => {
        // Every answer closes its connection, so that each request resolves and connects afresh (no keep-alive reuse).
        const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
        if (to) return res.writeHead(302, { location: to, connection: 'close' }).end();
        res.writeHead(200, { connection: 'close' }).end('public');
      });
      try {
        privateSite = await listen('127.0.0.2', publicSite.port, (_req, res) => res.end('private data'));
        break;
      } catch (err) {
        await publicSite.close();
        if (attempt > 20) throw err;
      }
    }
  });
  afterAll(async () => {
    await publicSite?.close();
    await privateSite?.close();
  });
  beforeEach(() => {
    privateSite.connections = 0;
    privateSite.requests.length = 0;
  });

  const port = () => publicSite.port;
  const strict = (resolve?: Resolve) => new AddressGuard(['127.0.0.1/32'], resolve);

  it('reaches the allowed address, and refuses the private one written plainly', async () => {
    expect(await probeHttp(http_(`http://127.0.0.1:${port()}/`), { guard: strict() })).toMatchObject({ outcome: 'up' });
    expect(await probeHttp(http_(`http://127.0.0.2:${port()}/`), { guard: strict() })).toMatchObject({
      outcome: 'down',
      error: expect.stringContaining('refused to probe 127.0.0.2: loopback address'),
    });
    expect(privateSite.connections).toBe(0);
  });

  it.each([
    ['decimal', `http://2130706434:PORT/`],
    ['hexadecimal', `http://0x7f000002:PORT/`],
    ['shortened', `http://127.2:PORT/`],
    ['octal', `http://0177.0.0.2:PORT/`],
    ['IPv4-mapped IPv6', `http://[::ffff:127.0.0.2]:PORT/`],
    ['IPv4-mapped IPv6, hex', `http://[::ffff:7f00:2]:PORT/`],
    ['IPv6 loopback', `http://[::1]:PORT/`],
    ['the unspecified address (this host, on Linux)', `http://0.0.0.0:PORT/`],
  ])('refuses the private address written in %s form', async (_form, url) => {
    const result = await probeHttp(http_(url.replace('PORT', String(port()))), { guard: strict() });
    expect(result).toMatchObject({ outcome: 'down', error: expect.stringMatching(/refused to probe/) });
    expect(privateSite.connections).toBe(0);
  });

  it.each([
    ['an address', () => `http://127.0.0.2:${port()}/secret`],
    ['an IPv4-mapped address', () => `http://[::ffff:127.0.0.2]:${port()}/secret`],
    ['a name that resolves to it', () => `http://internal.test:${port()}/secret`],
  ])('refuses a redirect from an allowed site to %s of the private one', async (_what, to) => {
    const dns = scriptedDns({ 'public.test': ['127.0.0.1'], 'internal.test': ['127.0.0.2'] });
    const result = await probeHttp(http_(`http://public.test:${port()}/?to=${encodeURIComponent(to())}`), { guard: strict(dns) });
    expect(result).toMatchObject({ outcome: 'down', error: expect.stringMatching(/^refused to probe (127\.0\.0\.2|::ffff:7f00:2): loopback/) });
    expect(publicSite.requests.at(-1)).toContain('to=');
    expect(privateSite.connections).toBe(0);
  });

  it('refuses a redirect chain that reaches the private address on its third hop', async () => {
    const hop3 = `http://127.0.0.2:${port()}/secret`;
    const hop2 = `http://127.0.0.1:${port()}/?to=${encodeURIComponent(hop3)}`;
    const result = await probeHttp(http_(`http://127.0.0.1:${port()}/?to=${encodeURIComponent(hop2)}`), { guard: strict() });
    expect(result).toMatchObject({ outcome: 'down', error: expect.stringContaining('refused to probe 127.0.0.2') });
    expect(privateSite.connections).toBe(0);
  });

  it('DNS rebinding: a name that resolved to the allowed address, then to the private one, never reaches the private one', async () => {
    const dns = scriptedDns({ 'rebind.test': ['127.0.0.1', '127.0.0.2'] });
    const guard = strict(dns);
    const probe = http_(`http://rebind.test:${port()}/`, { bodyContains: 'public' });
    expect(await probeHttp(probe, { guard })).toMatchObject({ outcome: 'up' });
    for (let i = 0; i < 3; i++) {
      expect(await probeHttp(probe, { guard })).toMatchObject({ outcome: 'down', error: expect.stringContaining('refused to probe 127.0.0.2') });
    }
    expect(privateSite.connections).toBe(0);
  });

  it('DNS rebinding between check and connect: every connection uses the one answer that was checked', async () => {
    // A resolver that alternates: a guard that resolved once to check and again to connect would land on 127.0.0.2.
    const answers = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? '127.0.0.1' : '127.0.0.2'));
    const dns = scriptedDns({ 'flip.test': answers });
    const guard = strict(dns);
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) outcomes.push((await probeHttp(http_(`http://flip.test:${port()}/`, { bodyContains: 'public' }), { guard })).outcome);
    // One resolution per probe: the allowed answer connects to the public site, the private answer is refused.
    expect(dns.asked.length).toBe(10);
    expect(outcomes).toEqual(['up', 'down', 'up', 'down', 'up', 'down', 'up', 'down', 'up', 'down']);
    expect(privateSite.connections).toBe(0);
  });

  it('DNS rebinding within one probe: a same-origin redirect resolves the name again and is refused', async () => {
    const dns = scriptedDns({ 'rebind.test': ['127.0.0.1', '127.0.0.2'] });
    const to = `http://rebind.test:${port()}/secret`;
    const result = await probeHttp(http_(`http://rebind.test:${port()}/?to=${encodeURIComponent(to)}`), { guard: strict(dns) });
    expect(result).toMatchObject({ outcome: 'down', error: expect.stringContaining('refused to probe 127.0.0.2') });
    expect(privateSite.connections).toBe(0);
  });

  it('refuses a name with a private address among several, even if the first is allowed', async () => {
    const guard = new AddressGuard(['127.0.0.1/32'], (_host, _opts, cb) =>
      setImmediate(() =>
        cb(null, [
          { address: '127.0.0.1', family: 4 },
          { address: '127.0.0.2', family: 4 },
        ]),
      ),
    );
    expect(await probeHttp(http_(`http://multi.test:${port()}/`), { guard })).toMatchObject({ outcome: 'down' });
    expect(privateSite.connections).toBe(0);
  });

  it('the TCP probe: refuses the private address, plainly or by a rebinding name', async () => {
    const dns = scriptedDns({ 'rebind.test': ['127.0.0.1', '127.0.0.2'] });
    const guard = strict(dns);
    const tcp = (host: string) => TcpProbeSchema.parse({ kind: 'tcp', host, port: port(), timeoutMs: 3000 });
    expect(await probeTcp(tcp('127.0.0.2'), { guard })).toMatchObject({ outcome: 'down', error: expect.stringContaining('refused to probe') });
    expect(await probeTcp(tcp('rebind.test'), { guard })).toMatchObject({ outcome: 'up' });
    expect(await probeTcp(tcp('rebind.test'), { guard })).toMatchObject({ outcome: 'down', error: expect.stringContaining('refused to probe 127.0.0.2') });
    expect(privateSite.connections).toBe(0);
  });

  it('the DNS probe: refuses a private resolver', async () => {
    const probe = DnsProbeSchema.parse({ kind: 'dns', query: 'example.com', recordType: 'A', resolver: `127.0.0.2:${port()}`, timeoutMs: 2000 });
    expect(await probeDns(probe, { guard: strict() })).toMatchObject({ outcome: 'down', error: expect.stringContaining('refused to probe 127.0.0.2') });
  });

  it('webhooks: refuse a private address or a rebinding name, and never follow a redirect to one', async () => {
    const dns = scriptedDns({ 'rebind.test': ['127.0.0.1', '127.0.0.2'] });
    const guard = strict(dns);
    await expect(post(`http://127.0.0.2:${port()}/hook`, '{}', {}, { guard })).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('refused to notify'),
    });
    // The name first resolves to the allowed address, which redirects: a webhook takes that as a failed delivery, and
    // goes no further.
    await expect(post(`http://rebind.test:${port()}/?to=${encodeURIComponent(`http://127.0.0.2:${port()}/`)}`, '{}', {}, { guard })).rejects.toMatchObject({
      message: expect.stringContaining('HTTP 302'),
    });
    await expect(post(`http://rebind.test:${port()}/hook`, '{}', {}, { guard })).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('refused to notify'),
    });
    expect(privateSite.connections).toBe(0);
  });
});
