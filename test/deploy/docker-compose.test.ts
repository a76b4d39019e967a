import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { generateCodecKeyEntry } from '../../src/codec/keys';
import { CONFIG_VARIABLES, encryptionKeys, loadConfig } from '../../src/config';

/**
 * No Docker engine runs where Vigil is developed, so docker-compose.yml is checked here instead: it parses, it has
 * the production topology, and every reference in it (service names, addresses, files, variables) resolves.
 */
const ROOT = path.resolve(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
}

const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const hostOf = (address: string) => address.split(':')[0];

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?error}` from the shell's environment. */
function interpolated(env: Record<string, string>, shell: Record<string, string>): Record<string, string> {
  const value = (text: string) =>
    text.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
      const set = shell[name];
      if (set) return set;
      if (op === '?') throw new Error(`compose refuses to start: ${name}: ${arg}`);
      return op === '-' ? arg! : '';
    });
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, value(String(v))]));
}
const keysFromShell = { VIGIL_CODEC_KEYS: generateCodecKeyEntry('compose') };

describe('docker-compose.yml', () => {
  it('runs the production topology: Postgres, Temporal on Postgres, its UI, the API and two workers', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'vigil-api', 'vigil-worker']));
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12_pgx', POSTGRES_SEEDS: 'postgres' });
    expect(services['vigil-worker']!.deploy?.replicas).toBeGreaterThanOrEqual(2);
  });

  it('wires every service to services that exist, by name', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(`${name} -> ${dependency}: ${dependency in services}`).toBe(`${name} -> ${dependency}: true`);
      }
      const env = service.environment ?? {};
      if (env.TEMPORAL_ADDRESS) expect(services).toHaveProperty([hostOf(env.TEMPORAL_ADDRESS)!]);
      if (env.POSTGRES_SEEDS) expect(services).toHaveProperty([env.POSTGRES_SEEDS]);
      if (env.DATABASE_URL) expect(services).toHaveProperty([new URL(env.DATABASE_URL).hostname]);
    }
  });

  it('starts nothing before what it needs: no dependency cycle', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string): void => {
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`dependency cycle through ${name}`);
      visiting.add(name);
      Object.keys(services[name]?.depends_on ?? {}).forEach(visit);
      visiting.delete(name);
      done.add(name);
    };
    Object.keys(services).forEach(visit);
  });

  it.each(['vigil-api', 'vigil-worker'])('%s reads only variables Vigil knows, with values its config accepts', (name) => {
    const env = interpolated(services[name]!.environment!, keysFromShell);
    for (const key of Object.keys(env)) expect(CONFIG_VARIABLES).toContain(key);
    const config = loadConfig(env);
    expect(encryptionKeys(config)?.activeKeyId).toBe('compose');
    expect(config.embeddedPostgres).toBe(false);
    expect(config.temporal.embedded).toBe(false);
  });

  it.each(['vigil-api', 'vigil-worker'])('%s runs with payload and secret encryption, or with none only when the operator says so', (name) => {
    const env = services[name]!.environment!;
    expect(() => interpolated(env, {})).toThrow(/compose refuses to start: VIGIL_CODEC_KEYS: set VIGIL_CODEC_KEYS/);
    const plaintext = loadConfig(interpolated(env, { VIGIL_CODEC_KEYS: 'none' }));
    expect(encryptionKeys(plaintext)).toBeUndefined();
  });

  it('gives the API the database and role that the Postgres init script creates', () => {
    const url = new URL(services['vigil-api']!.environment!.DATABASE_URL!);
    const init = fs.readFileSync(path.join(ROOT, 'deploy', 'postgres-init.sql'), 'utf8');
    expect(init).toContain(`CREATE ROLE ${url.username} LOGIN PASSWORD '${url.password}'`);
    expect(init).toContain(`CREATE DATABASE ${url.pathname.slice(1)} OWNER ${url.username}`);
  });

  it('runs entry points and mounts files that exist in this repository', () => {
    for (const service of Object.values(services)) {
      const command = service.command ?? [];
      if (command[0] === 'node') {
        const source = command[1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
        expect(fs.existsSync(path.join(ROOT, source))).toBe(true);
      }
      for (const volume of service.volumes ?? []) {
        const [from] = volume.split(':');
        if (from!.startsWith('./')) expect(fs.existsSync(path.join(ROOT, from!))).toBe(true);
        else expect(compose.volumes).toHaveProperty([from!]);
      }
      if (service.build) expect(fs.existsSync(path.join(ROOT, service.build, 'Dockerfile'))).toBe(true);
    }
  });
});
