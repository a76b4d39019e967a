import { execFile } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { useStack } from '../support/stack';
import { startVigilProcess } from '../support/process';

const ROOT = path.resolve(__dirname, '..', '..');

/** How the first admin key comes to exist: the command line, or VIGIL_BOOTSTRAP_ADMIN_KEY for automated set-ups. */
describe('the first admin key', () => {
  const stack = useStack({ db: true }, { perTest: true });

  const startApiProcess = async (env: Record<string, string> = {}) => {
    const api = startVigilProcess('api', { DATABASE_URL: stack.db.url, TEMPORAL_ADDRESS: '127.0.0.1:1', API_PORT: '0', LOG_LEVEL: 'info', ...env });
    await api.waitFor(/api listening/);
    return { api, url: /"url":"([^"]+)"/.exec(api.output())![1]! };
  };

  const createApiKey = (...args: string[]) =>
    new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        'npm',
        ['run', '--silent', 'create-api-key', '--', ...args],
        { cwd: ROOT, env: { ...process.env, DATABASE_URL: stack.db.url } },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
      );
    });

  it('npm run create-api-key prints a key, once, that the API takes; the API says how to get one while there is none', async () => {
    const { api, url } = await startApiProcess();
    try {
      expect(api.output()).toMatch(/no admin API key yet: create one with `npm run create-api-key -- --role admin/);
      const made = await createApiKey('--role', 'admin', '--name', 'ops');
      expect(made.code).toBe(0);
      const secret = /^ {2}(vigil_\S+)$/m.exec(made.output)![1]!;
      const res = await request(url).get('/v1/api-keys').set('Authorization', `Bearer ${secret}`).expect(200);
      expect(res.body.data).toEqual([expect.objectContaining({ name: 'ops', role: 'admin' })]);
    } finally {
      await api.stop('SIGTERM');
    }
    const refused = await createApiKey('--role', 'owner');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/usage: npm run create-api-key -- --role viewer\|responder\|admin/);
  });

  it('VIGIL_BOOTSTRAP_ADMIN_KEY is an admin key from start-up on; once revoked it stays revoked across restarts', async () => {
    const secret = 'bootstrap-secret-for-tests-0123456789abcdef';
    const first = await startApiProcess({ VIGIL_BOOTSTRAP_ADMIN_KEY: secret });
    try {
      expect(first.api.output()).not.toMatch(/no admin API key yet/);
      const { body } = await request(first.url).get('/v1/api-keys').set('Authorization', `Bearer ${secret}`).expect(200);
      expect(body.data).toEqual([expect.objectContaining({ name: 'bootstrap', role: 'admin' })]);
      await request(first.url).delete(`/v1/api-keys/${body.data[0].id}`).set('Authorization', `Bearer ${secret}`).expect(204);
    } finally {
      await first.api.stop('SIGTERM');
    }
    const again = await startApiProcess({ VIGIL_BOOTSTRAP_ADMIN_KEY: secret });
    try {
      await request(again.url).get('/v1/targets').set('Authorization', `Bearer ${secret}`).expect(401);
    } finally {
      await again.api.stop('SIGTERM');
    }
  });

  it('refuses to start with a bootstrap key too short to be safe', async () => {
    const api = startVigilProcess('api', { DATABASE_URL: stack.db.url, TEMPORAL_ADDRESS: '127.0.0.1:1', API_PORT: '0', VIGIL_BOOTSTRAP_ADMIN_KEY: 'admin' });
    const { code } = await new Promise<{ code: number | null }>((resolve) => api.child.on('exit', (c) => resolve({ code: c })));
    expect(code).toBe(1);
    expect(api.output()).toMatch(/VIGIL_BOOTSTRAP_ADMIN_KEY: at least 32 characters/);
    expect(api.output()).not.toContain("'admin'");
  });
});
