#!/usr/bin/env node
// The `vigil` command. In a clone (the TypeScript source and tsx, a devDependency, at hand) it runs the source through
// tsx, so `npx vigil` works without a build and never runs a stale one; where only the build is (an image without
// dev dependencies) it runs dist/, which `tsc -p tsconfig.build.json` makes.
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
let cli;
if (fs.existsSync(source) && hasTsx()) {
  cli = require('tsx/cjs/api').require(source, __filename);
} else {
  cli = require(path.join(root, 'dist', 'src', 'cli', 'main.js'));
}
cli.runProcess();

function hasTsx() {
  try {
    require.resolve('tsx/cjs/api', { paths: [root] });
    return true;
  } catch {
    return false;
  }
}
