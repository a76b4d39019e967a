import dns from 'node:dns';
import net from 'node:net';

/**
 * Keeps probes off addresses an operator did not mean to expose: private networks, loopback, link-local (where cloud
 * metadata services live), and other special ranges, unless allow-listed. Checked on the resolved address that the
 * socket then connects to, so a name that resolves to a private address (or re-resolves to one: DNS rebinding) is
 * refused too.
 */
export class ProbeRefusedError extends Error {
  override name = 'ProbeRefusedError';
}

const BLOCKED = (
  [
    ['0.0.0.0', 8, 'ipv4', 'unspecified'],
    ['10.0.0.0', 8, 'ipv4', 'private'],
    ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
    ['127.0.0.0', 8, 'ipv4', 'loopback'],
    ['169.254.0.0', 16, 'ipv4', 'link-local (cloud metadata)'],
    ['172.16.0.0', 12, 'ipv4', 'private'],
    ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
    ['192.168.0.0', 16, 'ipv4', 'private'],
    ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
    ['224.0.0.0', 4, 'ipv4', 'multicast'],
    ['240.0.0.0', 4, 'ipv4', 'reserved'],
    ['::', 128, 'ipv6', 'unspecified'],
    ['::1', 128, 'ipv6', 'loopback'],
    ['64:ff9b::', 96, 'ipv6', 'NAT64'],
    ['fc00::', 7, 'ipv6', 'unique local (private)'],
    ['fe80::', 10, 'ipv6', 'link-local'],
    ['ff00::', 8, 'ipv6', 'multicast'],
  ] as const
).map(([network, prefix, family, what]) => {
  const list = new net.BlockList();
  list.addSubnet(network, prefix, family);
  return { list, what };
});

function parseCidr(cidr: string): [string, number, 'ipv4' | 'ipv6'] {
  const [address = '', bits] = cidr.split('/');
  const family = net.isIP(address);
  if (family === 0) throw new Error(`not an IP network: ${cidr}`);
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`bad prefix length in ${cidr}`);
  return [address, prefix, family === 4 ? 'ipv4' : 'ipv6'];
}

/** Resolves a name to all its addresses, as `dns.lookup` with `all: true` does. */
export type Resolve = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

export class AddressGuard {
  private readonly allowed = new net.BlockList();

  /**
   * `allowCidrs`: networks probes may reach despite the rules, e.g. `127.0.0.0/8` for services on this host.
   * `resolve`: the system's resolver (`dns.lookup`) unless a test stands in for DNS.
   */
  constructor(
    allowCidrs: readonly string[],
    private readonly resolve: Resolve = dns.lookup,
  ) {
    for (const cidr of allowCidrs) this.allowed.addSubnet(...parseCidr(cidr));
  }

  /** Throws ProbeRefusedError when the address is in a blocked range that is not allow-listed. */
  check(address: string): void {
    const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (this.allowed.check(address, family)) return;
    for (const { list, what } of BLOCKED) {
      if (list.check(address, family)) {
        throw new ProbeRefusedError(`refused to probe ${address}: ${what} address (see VIGIL_PROBE_ALLOW_CIDRS)`);
      }
    }
  }

  /**
   * A `lookup` for net/http/tls that resolves as usual, then refuses if any resolved address is blocked. The socket
   * connects to the very address checked here (one resolution per connection), so a name that resolves to a public
   * address when checked and a private one when connected (DNS rebinding) cannot slip through.
   */
  readonly lookup: net.LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      try {
        for (const a of addresses) this.check(a.address);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
