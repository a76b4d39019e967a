import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` listening on host and port (0: any free port), and resolves with its base URL (`http://host:port`). */
export function listen(server: http.Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { address, port: bound } = server.address() as AddressInfo;
      resolve(`http://${address.includes(':') ? `[${address}]` : address}:${bound}`);
    });
  });
}
