import type { LookupAddress } from 'node:dns';
import { AddressGuard, ProbeRefusedError } from '../../../src/activities/probes/address-guard';

/** Resolves `hostname` through the guard's lookup, as net/http/tls do. */
function lookup(guard: AddressGuard, hostname: string, all = false): Promise<string | LookupAddress[]> {
  return new Promise((resolve, reject) =>
    guard.lookup(hostname, { all }, (err, address) => (err ? reject(err) : resolve(address as string | LookupAddress[]))),
  );
}

describe('AddressGuard (which addresses probes may reach)', () => {
  const strict = new AddressGuard([]);

  it.each([
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.170', 'IETF protocol assignments'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['224.0.0.251', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['64:ff9b::a00:1', 'NAT64'],
    ['fc00::1', 'unique local (private)'],
    ['fd12:3456::1', 'unique local (private)'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
  ])('refuses %s (%s)', (address, what) => {
    expect(() => strict.check(address)).toThrow(ProbeRefusedError);
    expect(() => strict.check(address)).toThrow(`refused to probe ${address}: ${what} address`);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '11.0.0.1', '2606:4700:4700::1111', '2a00:1450::1'])('lets public %s through', (address) =>
    expect(() => strict.check(address)).not.toThrow(),
  );

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata)'],
  ])('refuses IPv4-mapped IPv6 %s by the IPv4 rules (%s)', (address, what) => {
    expect(() => strict.check(address)).toThrow(`${what} address`);
  });

  it('lets an IPv4-mapped public address through', () => {
    expect(() => strict.check('::ffff:8.8.8.8')).not.toThrow();
  });

  it('lets allow-listed networks through, and only those', () => {
    const guard = new AddressGuard(['127.0.0.0/8', '::1/128', '10.0.0.5']);
    expect(() => guard.check('127.0.0.1')).not.toThrow();
    expect(() => guard.check('127.8.9.10')).not.toThrow();
    expect(() => guard.check('::ffff:127.0.0.1')).not.toThrow();
    expect(() => guard.check('::1')).not.toThrow();
    // A bare address allows that address alone.
    expect(() => guard.check('10.0.0.5')).not.toThrow();
    expect(() => guard.check('10.0.0.6')).toThrow('private address');
    expect(() => guard.check('169.254.169.254')).toThrow('link-local');
    expect(() => guard.check('fe80::1')).toThrow('link-local');
  });

  it.each(['localhost/8', '10.0.0.0/33', '::1/129', '10.0.0.0/x', ''])('rejects the malformed allow-list entry %p', (cidr) => {
    expect(() => new AddressGuard([cidr])).toThrow();
  });

  it('refuses a DNS name that resolves to loopback, after resolving it', async () => {
    await expect(lookup(strict, 'localhost')).rejects.toThrow('refused to probe 127.0.0.1: loopback address');
    await expect(lookup(strict, 'localhost', true)).rejects.toBeInstanceOf(ProbeRefusedError);
  });

  it('resolves a DNS name to an allow-listed address as usual, one address or all', async () => {
    const guard = new AddressGuard(['127.0.0.0/8', '::1/128']);
    expect(await lookup(guard, 'localhost')).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(await lookup(guard, 'localhost', true)).toEqual(
      expect.arrayContaining([expect.objectContaining({ address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/) })]),
    );
  });

  it('passes a failed resolution through as it is', async () => {
    await expect(lookup(strict, 'no-such-host.invalid')).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/) });
  });
});
