import { runProbe } from '../../../src/activities/probes';
import { AddressGuard } from '../../../src/activities/probes/address-guard';
import { probeDns } from '../../../src/activities/probes/dns';
import { DnsProbeSchema } from '../../../src/domain/probe';
import { startDnsServer, type DnsTestServer } from './dns-server';

const loopback = new AddressGuard(['127.0.0.0/8']);

describe('the DNS probe, against a DNS server on loopback', () => {
  let server: DnsTestServer;
  beforeAll(async () => {
    server = await startDnsServer({
      'example.test': {
        A: ['192.0.2.10', '192.0.2.11'],
        AAAA: ['2001:db8::10'],
        MX: [
          { priority: 10, exchange: 'mx1.example.test' },
          { priority: 20, exchange: 'mx2.example.test' },
        ],
        TXT: [['v=spf1 include:_spf.example.test ~all'], ['google-site-verification=', 'abc123']],
      },
      'www.example.test': { CNAME: ['edge.cdn.test'] },
      'broken.example.test': { servfail: true },
    });
  });
  afterAll(() => server.close());
  afterEach(() => server.delay(0));

  const dns = (fields: Record<string, unknown>) => DnsProbeSchema.parse({ kind: 'dns', query: 'example.test', resolver: server.address, ...fields });

  it('is up when the name has records of the type, asking the configured resolver; runProbe dispatches dns to it', async () => {
    const before = server.queries.length;
    expect(await runProbe(dns({}), { guard: loopback })).toEqual({ outcome: 'up', latencyMs: expect.any(Number) });
    expect(server.queries.slice(before)).toEqual(['example.test A']);
  });

  it.each([
    ['A', '192.0.2.11'],
    ['AAAA', '2001:DB8:0:0::10'], // any spelling of the address
    ['MX', 'MX2.example.test.'], // the exchange; case and the final dot do not matter
    ['TXT', 'v=spf1'], // a record whose strings contain it
    ['TXT', 'google-site-verification=abc123'], // strings of one record are joined
  ])('is up when an %s record matches %s', async (recordType, expect_) => {
    expect(await probeDns(dns({ recordType, expect: expect_ }), { guard: loopback })).toMatchObject({ outcome: 'up' });
  });

  it('compares a CNAME by the name it points to', async () => {
    expect(await probeDns(dns({ query: 'www.example.test', recordType: 'CNAME', expect: 'EDGE.cdn.test' }), { guard: loopback })).toMatchObject({
      outcome: 'up',
    });
  });

  it.each([
    ['A', '192.0.2.99', 'no A record is 192.0.2.99; got 192.0.2.10, 192.0.2.11'],
    ['AAAA', '2001:db8::99', 'no AAAA record is 2001:db8::99; got 2001:db8::10'],
    ['MX', 'mx3.example.test', 'no MX record is mx3.example.test; got mx1.example.test, mx2.example.test'],
    ['TXT', 'v=DMARC1', 'no TXT record contains "v=DMARC1"; got "v=spf1 include:_spf.example.test ~all", "google-site-verification=abc123"'],
  ])('is down when no %s record is %s, and says what it found', async (recordType, expect_, error) => {
    expect(await probeDns(dns({ recordType, expect: expect_ }), { guard: loopback })).toEqual({ outcome: 'down', latencyMs: expect.any(Number), error });
  });

  it('is down when the name does not exist (NXDOMAIN)', async () => {
    expect(await probeDns(dns({ query: 'gone.example.test' }), { guard: loopback })).toMatchObject({
      outcome: 'down',
      error: 'gone.example.test does not exist (NXDOMAIN)',
    });
  });

  it('is down when the name has no records of the type', async () => {
    expect(await probeDns(dns({ query: 'www.example.test', recordType: 'MX' }), { guard: loopback })).toMatchObject({
      outcome: 'down',
      error: 'www.example.test has no MX records',
    });
  });

  it('is down when the resolver fails to answer (SERVFAIL)', async () => {
    expect(await probeDns(dns({ query: 'broken.example.test' }), { guard: loopback })).toMatchObject({
      outcome: 'down',
      error: 'the resolver could not answer (SERVFAIL)',
    });
  });

  it('is down when nothing listens where the resolver should be', async () => {
    const gone = await startDnsServer({});
    await gone.close();
    expect(await probeDns(dns({ resolver: gone.address }), { guard: loopback })).toMatchObject({
      outcome: 'down',
      error: 'the resolver refused the connection (nothing listens there)',
    });
  });

  it('is down when the resolver does not answer within the timeout, and stops waiting then', async () => {
    server.delay(Infinity);
    const result = await probeDns(dns({ timeoutMs: 300 }), { guard: loopback });
    expect(result).toMatchObject({ outcome: 'down', error: 'timed out after 300 ms' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(295);
    expect(result.latencyMs).toBeLessThan(1_500);
  });

  it('is degraded when the answer is slower than degradedAboveMs', async () => {
    server.delay(150);
    const result = await probeDns(dns({ degradedAboveMs: 50 }), { guard: loopback });
    expect(result).toMatchObject({ outcome: 'degraded', error: expect.stringMatching(/^answered in \d+ ms, above 50 ms$/) });
  });

  it('refuses a resolver on a private address unless it is allow-listed, and asks it nothing', async () => {
    const before = server.queries.length;
    expect(await probeDns(dns({}), { guard: new AddressGuard([]) })).toMatchObject({
      outcome: 'down',
      error: 'refused to probe 127.0.0.1: loopback address (see VIGIL_PROBE_ALLOW_CIDRS)',
    });
    expect(server.queries.length).toBe(before);
  });

  it('throws when the activity is cancelled: a cancellation is not a result', async () => {
    server.delay(Infinity);
    const cancel = new AbortController();
    const probe = probeDns(dns({ timeoutMs: 5_000 }), { guard: loopback, signal: cancel.signal });
    setTimeout(() => cancel.abort(), 50);
    await expect(probe).rejects.toThrow();
  });
});
