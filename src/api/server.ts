import type { Express } from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  url: string;
  /** Stops accepting connections and resolves once every in-flight request has been answered. */
  close(): Promise<void>;
}

export function startWebServer(app: Express, host: string, port: number): Promise<RunningServer> {
  const server = http.createServer(app);
  // Slow clients cannot hold connections open forever.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { address, port: bound } = server.address() as AddressInfo;
      const shown = address.includes(':') ? `[${address}]` : address;
      resolve({
        url: `http://${shown}:${bound}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive connections with no request in flight would otherwise hold close() open.
            server.closeIdleConnections();
          }),
      });
    });
  });
}
