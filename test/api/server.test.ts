import express from 'express';
import http from 'node:http';
import { startWebServer } from '../../src/api/server';
import { useStack } from '../support/stack';
import { startVigilProcess } from '../support/process';

const get = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });

describe('stopping the API', () => {
  it('answers the requests in flight, then stops accepting connections', async () => {
    const app = express().get('/slow', (_req, res) => {
      setTimeout(() => res.send('finished'), 500);
    });
    const server = await startWebServer(app, '127.0.0.1', 0);
    const inFlight = get(`${server.url}/slow`);
    await new Promise((r) => setTimeout(r, 100));
    const closing = Date.now();
    const closed = server.close();
    expect(await inFlight).toEqual({ status: 200, body: 'finished' });
    await closed;
    // Not held open by the finished request's keep-alive connection.
    expect(Date.now() - closing).toBeLessThan(2_000);
    await expect(get(`${server.url}/slow`)).rejects.toThrow(/ECONNREFUSED/);
  });

  describe('the API process', () => {
    const stack = useStack({ db: true });

    it('serves, and exits cleanly on SIGTERM', async () => {
      const api = startVigilProcess('api', {
        DATABASE_URL: stack.db.url,
        // Nothing listens here: the API starts and serves reads without Temporal.
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        API_PORT: '0',
        LOG_LEVEL: 'info',
      });
      await api.waitFor(/api listening/);
      const url = /"url":"([^"]+)"/.exec(api.output())![1]!;
      expect(await get(`${url}/healthz`)).toEqual({ status: 200, body: '{"status":"ok"}' });
      const { code, afterMs } = await api.stop('SIGTERM');
      expect(code).toBe(0);
      expect(afterMs).toBeLessThan(5_000);
      expect(api.output()).toMatch(/api stopped/);
    });
  });
});
