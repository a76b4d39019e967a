import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../src/stack/temporal-dev-server';
import { DEFAULT_HISTORY_SHARDS, POSTGRES_ROLES, productionTopology } from '../../src/stack/topology';

/**
 * docker-compose.yml and the production-like stack (`npm run up -- --production-like`) are two descriptions of one
 * topology. The stack starts its services from `productionTopology`; these checks hold it to the compose file.
 */
const ROOT = path.resolve(__dirname, '..', '..');

interface ComposeService {
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
}

const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

const topology = productionTopology({
  ports: { postgres: 15432, temporal: 17233, ui: 18233, api: 13000 },
  historyShards: DEFAULT_HISTORY_SHARDS,
  passwords: { postgres: 'p', vigil: 'v', temporal: 't' },
  namespace: 'default',
  logLevel: 'info',
  dynamicConfigFile: '/deploy/temporal-dynamicconfig.yaml',
  tools: { sqlTool: '/cache/sql', schemaDir: '/cache/schema', temporalCli: '/cache/temporal' },
  codecKeys: { VIGIL_CODEC_KEYS: 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', VIGIL_CODEC_ACTIVE_KEY: 'k1' },
});
const stackService = (name: string) => topology.find((s) => s.name === name)!;

describe('the production-like stack and docker-compose.yml', () => {
  it('run the same services, as many of each', () => {
    expect(topology.map((s) => s.name).sort()).toEqual(Object.keys(compose.services).sort());
    for (const [name, service] of Object.entries(compose.services)) {
      expect(`${name}: ${stackService(name).replicas}`).toBe(`${name}: ${service.deploy?.replicas ?? 1}`);
    }
  });

  it.each(Object.keys(compose.services))('give %s the environment variables of the same names', (name) => {
    expect(Object.keys(stackService(name).env).sort()).toEqual(Object.keys(compose.services[name]!.environment ?? {}).sort());
  });

  it('agree on every setting that is not an address, a port, a password or a path', () => {
    const settings = ['DB', 'DBNAME', 'VISIBILITY_DBNAME', 'NUM_HISTORY_SHARDS', 'POSTGRES_USER', 'TEMPORAL_NAMESPACE', 'LOG_LEVEL'];
    for (const service of topology) {
      const composed = compose.services[service.name]!.environment ?? {};
      for (const key of settings.filter((k) => k in service.env)) {
        expect(`${service.name} ${key}=${service.env[key]}`).toBe(`${service.name} ${key}=${composed[key]}`);
      }
      if (service.env.DATABASE_URL) {
        const [ours, theirs] = [service.env.DATABASE_URL, composed.DATABASE_URL!].map((u) => new URL(u));
        expect([ours!.username, ours!.pathname]).toEqual([theirs!.username, theirs!.pathname]);
      }
    }
  });

  it('start each service after the same services, jobs having finished', () => {
    for (const service of topology) {
      const composed = compose.services[service.name]!.depends_on ?? {};
      expect(`${service.name} after ${[...service.dependsOn].sort().join(',')}`).toBe(`${service.name} after ${Object.keys(composed).sort().join(',')}`);
      for (const dependency of service.dependsOn) {
        const expected = stackService(dependency).kind === 'job' ? 'service_completed_successfully' : /^service_(healthy|started)$/;
        expect(composed[dependency]!.condition).toMatch(expected);
      }
    }
  });

  it('lists every service after what it depends on, which is the order the stack starts them in', () => {
    topology.forEach((service, i) => {
      const earlier = topology.slice(0, i).map((s) => s.name);
      for (const dependency of service.dependsOn) expect(earlier).toContain(dependency);
    });
  });

  it('create the same PostgreSQL roles, each with a password, and the same databases owned by them', () => {
    const init = fs.readFileSync(path.join(ROOT, 'deploy', 'postgres-init.sql'), 'utf8');
    const created = [...init.matchAll(/^CREATE ROLE (\w+) LOGIN PASSWORD '[^']+'( CREATEDB)?;/gm)].map((m) => ({
      name: m[1],
      createdb: Boolean(m[2]),
    }));
    expect(created).toEqual(POSTGRES_ROLES.map((r) => ({ name: r.name, createdb: r.createdb })));
    const databases = [...init.matchAll(/^CREATE DATABASE (\w+) OWNER (\w+);/gm)].map((m) => `${m[1]} owned by ${m[2]}`);
    expect(databases).toEqual(POSTGRES_ROLES.filter((r) => r.ownsDatabase).map((r) => `${r.ownsDatabase} owned by ${r.name}`));
  });

  it("set up the namespace with the search attributes Vigil's workflows use, as the dev server has them", () => {
    const setup = fs.readFileSync(path.join(ROOT, 'deploy', 'temporal-setup.sh'), 'utf8');
    const names = /for attribute in ([\w ]+); do/.exec(setup)![1]!.split(' ');
    expect(names.map((n) => `${n}=Keyword`)).toEqual(SEARCH_ATTRIBUTES);
  });
});
