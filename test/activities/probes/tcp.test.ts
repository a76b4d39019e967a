import { runProbe } from '../../../src/activities/probes';
import { AddressGuard } from '../../../src/activities/probes/address-guard';
import { probeTcp } from '../../../src/activities/probes/tcp';
import { TcpProbeSchema } from '../../../src/domain/probe';
import { eventually } from '../../support/eventually';
import { closedPort, startTcpServer } from './servers';

const loopback = new AddressGuard(['127.0.0.0/8', '::1/128']);
const tcp = (fields: Record<string, unknown>) => TcpProbeSchema.parse({ kind: 'tcp', host: '127.0.0.1', ...fields });

/** The guard, with name resolution that takes `ms` longer: a slow DNS server on the probe's path. */
function slowlyResolving(guard: AddressGuard, ms: number): AddressGuard {
  return Object.assign(Object.create(guard) as AddressGuard, {
    lookup: ((hostname, options, callback) => setTimeout(() => guard.lookup(hostname, options, callback), ms)) as AddressGuard['lookup'],
  });
}

describe('the TCP probe', () => {
  let server: Awaited<ReturnType<typeof startTcpServer>>;
  beforeAll(async () => {
    server = await startTcpServer();
  });
  afterAll(() => server.close());

  it('is up once it connects to an open port, and runProbe dispatches tcp to it', async () => {
    const before = server.connections();
    const result = await runProbe(tcp({ port: server.port }), { guard: loopback });
    expect(result).toEqual({ outcome: 'up', latencyMs: expect.any(Number) });
    // The server may accept a moment after the client saw the handshake complete.
    await eventually(() => expect(server.connections()).toBe(before + 1), 2_000, 10);
  });

  it('connects to a DNS name, resolved through the guard', async () => {
    expect(await probeTcp(tcp({ host: 'localhost', port: server.port }), { guard: loopback })).toMatchObject({ outcome: 'up' });
  });

  it('is down when nothing listens on the port', async () => {
    const result = await probeTcp(tcp({ port: await closedPort() }), { guard: loopback });
    expect(result).toEqual({ outcome: 'down', latencyMs: expect.any(Number), error: 'connection refused' });
  });

  it('is down, without connecting, when the guard refuses the address', async () => {
    const before = server.connections();
    const strict = new AddressGuard([]);
    const literal = await probeTcp(tcp({ port: server.port }), { guard: strict });
    expect(literal).toMatchObject({ outcome: 'down', error: 'refused to probe 127.0.0.1: loopback address (see VIGIL_PROBE_ALLOW_CIDRS)' });
    const named = await probeTcp(tcp({ host: 'localhost', port: server.port }), { guard: strict });
    expect(named).toMatchObject({ outcome: 'down', error: expect.stringMatching(/^refused to probe (127\.0\.0\.1|::1): loopback address/) });
    expect(server.connections()).toBe(before);
  });

  it('is down when the name does not resolve', async () => {
    const result = await probeTcp(tcp({ host: 'no-such-host.invalid', port: 80 }), { guard: loopback });
    expect(result).toMatchObject({ outcome: 'down', error: expect.stringMatching(/^DNS lookup failed \((ENOTFOUND|EAI_AGAIN)\)$/) });
  });

  it('is down when connecting takes longer than the timeout, and stops waiting then', async () => {
    const result = await probeTcp(tcp({ host: 'localhost', port: server.port, timeoutMs: 200 }), { guard: slowlyResolving(loopback, 1_000) });
    expect(result).toMatchObject({ outcome: 'down', error: 'timed out after 200 ms' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(195);
    expect(result.latencyMs).toBeLessThan(900);
  });

  it('is degraded when connecting is slower than degradedAboveMs', async () => {
    const result = await probeTcp(tcp({ host: 'localhost', port: server.port, degradedAboveMs: 50 }), { guard: slowlyResolving(loopback, 150) });
    expect(result).toMatchObject({ outcome: 'degraded', error: expect.stringMatching(/^connected in \d+ ms, above 50 ms$/) });
    expect(result.latencyMs).toBeGreaterThanOrEqual(150);
  });

  it('throws when the activity is cancelled: a cancellation is not a result', async () => {
    const cancel = new AbortController();
    const probe = probeTcp(tcp({ host: 'localhost', port: server.port }), { guard: slowlyResolving(loopback, 500), signal: cancel.signal });
    setTimeout(() => cancel.abort(), 50);
    await expect(probe).rejects.toThrow();
  });
});
