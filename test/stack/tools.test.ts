import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemporalServer, resolveTemporalUi, ToolError } from '../../src/stack/tools';

/** Where Go is missing, the production-like stack's tools cannot be built: the operator is told what to do instead. */
describe('the production-like tools on a machine without Go', () => {
  const originalPath = process.env.PATH;
  let bin: string;
  let cacheDir: string;

  beforeEach(() => {
    // A PATH with a shell and nothing else: no go, no docker.
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-path-'));
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cache-'));
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
    process.env.PATH = bin;
  });
  afterEach(() => {
    process.env.PATH = originalPath;
    fs.rmSync(bin, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('says in one line to install Go', async () => {
    const failure = resolveTemporalServer({ cacheDir });
    await expect(failure).rejects.toThrow(ToolError);
    await expect(failure).rejects.toThrow(/^the Temporal server v1\.32\.2 is built once with Go, which is not installed: install Go [^\n]+$/);
  });

  it('points at docker-compose.yml where Docker is', async () => {
    fs.writeFileSync(path.join(bin, 'docker'), '#!/bin/sh\n', { mode: 0o755 });
    await expect(resolveTemporalUi({ cacheDir })).rejects.toThrow(/`docker compose up --build` \(docker-compose\.yml\), or install Go/);
  });
});
