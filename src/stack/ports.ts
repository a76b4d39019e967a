import net from 'node:net';
import { temporalPorts, type StackPorts } from './topology';

/** A TCP port nothing listens on right now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Whether nothing listens on this loopback port right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Ports for a throwaway production-like stack: the Temporal server's block (fixed offsets from its frontend) below the
 * ephemeral range, where no dev server or ephemeral port lands, all free; the rest ephemeral.
 */
export async function freeStackPorts(): Promise<StackPorts> {
  for (;;) {
    const temporal = 20_400 + Math.floor(Math.random() * 8_000);
    const free = await Promise.all(Object.values(temporalPorts(temporal)).map(isFree));
    if (free.every(Boolean)) return { temporal, postgres: await freePort(), ui: await freePort(), api: await freePort() };
  }
}
