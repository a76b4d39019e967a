import { parseCodecKeys } from '../src/codec/keys';
import { openHeaders, SecretBox, sealHeaders, withProbeHeaders } from '../src/codec/secrets';

/**
 * `npx tsx bench/secrets.ts [windows]`: what sealing probe headers costs the capacity hot path. A probe window's input
 * is sealed once as its worker registers it (src/worker/leases.ts) and opened once if another worker adopts it; the
 * probes in it use the headers in clear, as the activity received them, so no probe pays anything. Prints the CPU time
 * a window's input costs to seal and to open, with two headers (an Authorization token and an Accept), and the bytes
 * it adds to the registered row.
 */
const windows = Number(process.argv[2] ?? 100_000);
const box = new SecretBox(parseCodecKeys(`k1:${Buffer.alloc(32, 1).toString('base64')}`));
const input = {
  targetId: 'tgt_01KBSEA1ED000000000000000A',
  version: 3,
  probe: {
    kind: 'http',
    url: 'https://shop.example.com/health',
    method: 'GET',
    headers: { authorization: `Bearer ${'t'.repeat(40)}`, accept: 'application/json' },
  },
  intervalMs: 20_000,
  slots: Array.from({ length: 60 }, (_, i) => 1_765_000_000_000 + i * 20_000),
};

function timed(label: string, run: () => unknown): void {
  for (let i = 0; i < 1_000; i++) run(); // warm-up
  const start = process.cpuUsage();
  for (let i = 0; i < windows; i++) run();
  const { user, system } = process.cpuUsage(start);
  console.log(`${label}: ${((user + system) / windows).toFixed(2)} µs a window (${windows} windows)`);
}

const sealed = withProbeHeaders(input, (h) => sealHeaders(box, h));
timed('seal a window input (register)', () => withProbeHeaders(input, (h) => sealHeaders(box, h)));
timed('open a window input (adopt)', () => withProbeHeaders(sealed, (h) => openHeaders(box, h)));
timed('JSON of the input, for comparison', () => JSON.stringify(input));
console.log(`row size: ${JSON.stringify(input).length} bytes in clear, ${JSON.stringify(sealed).length} sealed`);
