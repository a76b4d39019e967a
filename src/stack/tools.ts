import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The programs Vigil's local stack and tests need beyond npm: the Temporal CLI (dev server), the Java time-skipping
 * test server, and for the production-like stack the Temporal server, its SQL schema tool and its Web UI server. Each
 * is found where the operator put it, else in Vigil's cache, else built into the cache from a package registry once
 * (Go module proxy, Maven Central). Later runs reuse the cache.
 */

export class ToolError extends Error {
  override name = 'ToolError';
}

export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TIME_SKIPPING_SERVER_VERSION = '1.38.0';
export const TEMPORAL_SERVER_VERSION = '1.32.2';
/** v2.58.1 does not build from the Go module proxy: its go.temporal.io/api v1.64.0 is refused (403). */
export const TEMPORAL_UI_VERSION = '2.42.1';

function onPath(command: string): string | undefined {
  try {
    // The environment given explicitly, so the lookup sees the PATH the later spawns will use.
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8', env: process.env }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** How long each build or fetch took cold on this project's 2-core machine, told when it starts. */
const COLD_MINUTES = { cli: 8, server: 12, ui: 1, testServer: 1 } as const;

const PROGRESS_EVERY_MS = 30_000;

const elapsed = (since: number): string => {
  const s = Math.round((Date.now() - since) / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

/**
 * Runs a long build step with its output in `logFile` (Go prints a line per module it downloads), telling `log` what
 * runs and, every 30 s, how long it has run; a failure names the step, its log and the log's last lines.
 */
function runLogged(
  command: string,
  args: string[],
  opts: { what: string; logFile: string; cwd?: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void },
): Promise<void> {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = fs.openSync(opts.logFile, 'w');
  const began = Date.now();
  const progress = setInterval(() => opts.log?.(`still ${opts.what}: ${elapsed(began)} so far (log: ${opts.logFile})`), PROGRESS_EVERY_MS);
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', out, out] });
    const failed = (why: string) => {
      const tail = fs.readFileSync(opts.logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
      reject(new ToolError(`${opts.what} failed (${why}); its log: ${opts.logFile}${tail ? `; last lines:\n${tail}` : ''}`));
    };
    child.on('error', (err) => failed(`${command}: ${err.message}`));
    child.on('close', (code, signal) => {
      if (code === 0) {
        opts.log?.(`done ${opts.what} in ${elapsed(began)}`);
        resolve();
      } else failed(`${command} exited ${signal ?? code}`);
    });
  }).finally(() => {
    clearInterval(progress);
    fs.closeSync(out);
  });
}

const logFileFor = (cacheDir: string, name: string) => path.join(cacheDir, 'logs', `${name}.log`);

/**
 * The `temporal` CLI: $TEMPORAL_CLI_PATH, else `temporal` on PATH, else the cached build, else `go install` of
 * v1.5.1 (the newest the Go module proxy builds; see COLD_MINUTES for how long the first time takes).
 */
export async function resolveTemporalCli(opts: { cliPath?: string; cacheDir: string; log?: (line: string) => void }): Promise<string> {
  if (opts.cliPath) {
    if (!fs.existsSync(opts.cliPath)) throw new ToolError(`TEMPORAL_CLI_PATH=${opts.cliPath} does not exist`);
    return opts.cliPath;
  }
  const found = onPath('temporal');
  if (found) return found;
  const binDir = path.join(opts.cacheDir, 'bin');
  const cached = path.join(binDir, 'temporal');
  if (fs.existsSync(cached)) return cached;
  await goInstall({
    what: `the Temporal CLI v${TEMPORAL_CLI_VERSION}`,
    packages: [`github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`],
    ldflags: `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
    binDir,
    logFile: logFileFor(opts.cacheDir, 'temporal-cli'),
    coldMinutes: COLD_MINUTES.cli,
    instead: 'set TEMPORAL_CLI_PATH',
    log: opts.log,
  });
  return cached;
}

/** Where Docker is, the production-like stack needs no Go: docker-compose.yml runs the same topology from images. */
const dockerInstead = () => (onPath('docker') ? 'run the same stack with `docker compose up --build` (docker-compose.yml)' : undefined);

const goMissing = (what: string, instead: string | undefined) =>
  new ToolError(`${what} is built once with Go, which is not installed: ${instead ? `${instead}, or ` : ''}install Go 1.21 or newer (https://go.dev/dl)`);

/**
 * `go install`s `packages` into `binDir`. GOTOOLCHAIN=auto lets an older Go fetch the toolchain a module asks for
 * (Temporal's modules want a newer Go than most machines have), itself a module from the proxy.
 */
async function goInstall(opts: {
  what: string;
  packages: string[];
  ldflags?: string;
  binDir: string;
  logFile: string;
  coldMinutes: number;
  /** What the operator can do instead, told when Go is missing. */
  instead?: string;
  log?: (line: string) => void;
}): Promise<void> {
  if (!onPath('go')) throw goMissing(opts.what, opts.instead);
  opts.log?.(`building ${opts.what} into ${opts.binDir} (once; ≈${opts.coldMinutes} min on 2 cores with nothing cached)`);
  await runLogged('go', ['install', ...(opts.ldflags ? ['-ldflags', opts.ldflags] : []), ...opts.packages], {
    what: `building ${opts.what}`,
    logFile: opts.logFile,
    env: { ...process.env, GOBIN: opts.binDir, GOFLAGS: '-modcacherw', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto' },
    log: opts.log,
  });
}

/**
 * Copies files a Go module ships (schemas, config templates) into the cache beside the binaries built from it, so
 * that starting needs neither Go nor the module cache. `copies` maps a path in the module to a path in the cache;
 * each destination appears whole or not at all.
 */
async function copyFromModule(opts: { module: string; copies: [string, string][]; instead?: string; log?: (line: string) => void }): Promise<void> {
  const missing = opts.copies.filter(([, to]) => !fs.existsSync(to));
  if (missing.length === 0) return;
  if (!onPath('go')) throw goMissing(`the schema and config of ${opts.module}`, opts.instead);
  const { Dir: moduleDir } = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', opts.module], {
      encoding: 'utf8',
      // Its download lines would land in the caller's output; on failure they are in the error.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GOFLAGS: '-modcacherw', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto' },
    }),
  ) as { Dir: string };
  for (const [from, to] of missing) {
    opts.log?.(`copying ${from} of ${opts.module} into ${to}`);
    const partial = `${to}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    copyWritable(path.join(moduleDir, from), partial);
    fs.renameSync(partial, to);
  }
}

/** The module cache is read-only; our copies are ordinary files that `rm -rf` can remove. */
function copyWritable(from: string, to: string): void {
  if (fs.statSync(from).isDirectory()) {
    fs.mkdirSync(to, { recursive: true, mode: 0o755 });
    for (const entry of fs.readdirSync(from)) copyWritable(path.join(from, entry), path.join(to, entry));
  } else {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, fs.readFileSync(from), { mode: 0o644 });
  }
}

export interface TemporalServerTools {
  /** The server binary, started as `server --root R --config config --env docker start` like the Docker image. */
  server: string;
  /** Temporal's SQL schema tool (`temporal-sql-tool` in the admin-tools image). */
  sqlTool: string;
  /** The server's own `config/docker.yaml`: the template the temporalio/server image renders from its environment. */
  configTemplate: string;
  /** `schema/postgresql/v12`, with `temporal/versioned` and `visibility/versioned`. */
  schemaDir: string;
}

/**
 * The Temporal server and its schema tool, built from source once (GOTOOLCHAIN=auto), with
 * the config template and PostgreSQL schema of the same module version copied beside them.
 */
export async function resolveTemporalServer(opts: { cacheDir: string; log?: (line: string) => void }): Promise<TemporalServerTools> {
  const root = path.join(opts.cacheDir, 'temporal-server');
  const binDir = path.join(root, 'bin');
  const tools: TemporalServerTools = {
    server: path.join(binDir, 'server'),
    sqlTool: path.join(binDir, 'sql'),
    configTemplate: path.join(root, 'config', 'docker.yaml'),
    schemaDir: path.join(root, 'schema', 'postgresql', 'v12'),
  };
  const instead = dockerInstead();
  if (!fs.existsSync(tools.server) || !fs.existsSync(tools.sqlTool)) {
    const version = `v${TEMPORAL_SERVER_VERSION}`;
    await goInstall({
      what: `the Temporal server ${version}`,
      packages: [`go.temporal.io/server/cmd/server@${version}`, `go.temporal.io/server/cmd/tools/sql@${version}`],
      binDir,
      logFile: logFileFor(opts.cacheDir, 'temporal-server'),
      coldMinutes: COLD_MINUTES.server,
      instead,
      log: opts.log,
    });
  }
  await copyFromModule({
    module: `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`,
    copies: [
      ['config/docker.yaml', tools.configTemplate],
      ['schema/postgresql/v12', tools.schemaDir],
    ],
    instead,
    log: opts.log,
  });
  return tools;
}

export interface TemporalUiTools {
  /** The UI server (web assets embedded), started as `server --root R --config config --env docker start`. */
  server: string;
  /** ui-server's own `config/docker.yaml`: the template the temporalio/ui image renders from its environment. */
  configTemplate: string;
}

/** The Temporal Web UI server, built from source once. */
export async function resolveTemporalUi(opts: { cacheDir: string; log?: (line: string) => void }): Promise<TemporalUiTools> {
  const root = path.join(opts.cacheDir, 'ui');
  const tools: TemporalUiTools = { server: path.join(root, 'server'), configTemplate: path.join(root, 'config', 'docker.yaml') };
  const instead = dockerInstead();
  if (!fs.existsSync(tools.server)) {
    await goInstall({
      what: `the Temporal Web UI v${TEMPORAL_UI_VERSION}`,
      packages: [`github.com/temporalio/ui-server/v2/cmd/server@v${TEMPORAL_UI_VERSION}`],
      binDir: root,
      logFile: logFileFor(opts.cacheDir, 'temporal-ui'),
      coldMinutes: COLD_MINUTES.ui,
      instead,
      log: opts.log,
    });
  }
  await copyFromModule({
    module: `github.com/temporalio/ui-server/v2@v${TEMPORAL_UI_VERSION}`,
    copies: [['config/docker.yaml', tools.configTemplate]],
    instead,
    log: opts.log,
  });
  return tools;
}

/**
 * An executable that starts Java's `io.temporal:temporal-test-server` (time skipping) as `<path> <port>`, for
 * `TestWorkflowEnvironment.createTimeSkipping`. The wrapper `exec`s java so that the SDK's kill reaches the JVM.
 */
export async function ensureTimeSkippingServer(opts: { cacheDir: string; log?: (line: string) => void }): Promise<string> {
  const dir = path.join(opts.cacheDir, `temporal-test-server-${TIME_SKIPPING_SERVER_VERSION}`);
  const wrapper = path.join(dir, 'temporal-test-server');
  if (fs.existsSync(wrapper)) return wrapper;
  for (const tool of ['java', 'mvn']) {
    if (!onPath(tool)) throw new ToolError(`${tool} is needed once to fetch the time-skipping test server; install a JDK and Maven`);
  }
  const what = `fetching io.temporal:temporal-test-server:${TIME_SKIPPING_SERVER_VERSION} from Maven Central`;
  opts.log?.(`${what} into ${dir} (once; ≈${COLD_MINUTES.testServer} min with nothing cached)`);
  const work = `${dir}.partial`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(
    path.join(work, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.vigil</groupId><artifactId>temporal-test-server-fetch</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TIME_SKIPPING_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
`,
  );
  await runLogged('mvn', ['-B', '-q', 'dependency:copy-dependencies', '-DoutputDirectory=lib', '-DincludeScope=runtime'], {
    what,
    logFile: logFileFor(opts.cacheDir, 'temporal-test-server'),
    cwd: work,
    log: opts.log,
  });
  fs.writeFileSync(
    path.join(work, 'temporal-test-server'),
    '#!/bin/sh\n# Started by the Temporal SDK as `<this> <port>`; exec so its SIGKILL reaches the JVM.\n' +
      'DIR=$(cd "$(dirname "$0")" && pwd)\nexec java -cp "$DIR/lib/*" io.temporal.testserver.TestServer "$@"\n',
    { mode: 0o755 },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(work, dir);
  return wrapper;
}
