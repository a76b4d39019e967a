import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { testDataConverter } from '../support/codec';
import { readTestEnv } from '../support/env';

/**
 * Histories recorded from real runs (npm run record:histories), replayed against today's workflow code: a change that
 * would break the workflows already running in production fails here, with a non-determinism error. They were
 * recorded with payloads encrypted, as production keeps them, so they replay through the same codec. Those named
 * `*.before-<patch>.json` were recorded before a workflow patch (`patched()`): they keep its old branch replaying.
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'histories');
const histories = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

describe('recorded histories replay against the current workflow code', () => {
  it('has histories to replay', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

  it.each(histories)('%s', async (file) => {
    const history = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: { codePath: readTestEnv().bundlePath }, dataConverter: testDataConverter }, history, file);
  });
});
