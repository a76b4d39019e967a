import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Run by a throwaway `node -e`: bundles the workflows named in its environment into the file named there. */
const BUNDLER = `
const { bundleWorkflowCode } = require(process.env.VIGIL_SDK_WORKER);
const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: (m) => console.error(m), error: (m) => console.error(m) };
bundleWorkflowCode({ workflowsPath: process.env.VIGIL_WORKFLOWS, logger: quiet })
  .then(({ code }) => require('node:fs').writeFileSync(process.env.VIGIL_BUNDLE, code))
  .catch((err) => { console.error(err); process.exit(1); });
`;

export interface WorkflowBundleFile {
  codePath: string;
  /** Deletes the file, once the worker has read it. */
  remove(): void;
}

/**
 * Bundles the workflow code in a child process, into a temporary file. Bundled inside the worker, webpack and its
 * modules would stay in the worker's memory for its whole life (about 35 MB of each worker, docs/benchmarks.md) for a
 * job done once at start-up.
 */
export async function bundleWorkflowsApart(workflowsPath: string): Promise<WorkflowBundleFile> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-workflows-'));
  const codePath = path.join(dir, 'workflow-bundle.js');
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const env = { ...process.env, VIGIL_SDK_WORKER: require.resolve('@temporalio/worker'), VIGIL_WORKFLOWS: workflowsPath, VIGIL_BUNDLE: codePath };
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['-e', BUNDLER], { env, maxBuffer: 16 << 20 }, (err, _stdout, stderr) =>
        err ? reject(new Error(`bundling the workflows failed: ${stderr.trim() || err.message}`)) : resolve(),
      ),
    );
  } catch (err) {
    remove();
    throw err;
  }
  return { codePath, remove };
}
