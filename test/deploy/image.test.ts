import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The image (Dockerfile) compiles with tsconfig.image.json: the API and the worker and what they import, never
 * src/stack (the development tooling that installs and starts PostgreSQL and Temporal for `npm run up` and the tests).
 */
const ROOT = path.resolve(__dirname, '..', '..');

describe('the image', () => {
  const files = execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.image.json', '--listFilesOnly'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.startsWith(`${ROOT}/src/`))
    .map((f) => path.relative(ROOT, f));

  it('compiles both processes', () => {
    expect(files).toEqual(expect.arrayContaining(['src/api/main.ts', 'src/worker/main.ts']));
  });

  it('leaves the development tooling out', () => {
    expect(files.filter((f) => f.startsWith('src/stack/'))).toEqual([]);
  });
});
