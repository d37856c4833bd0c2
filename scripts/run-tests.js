#!/usr/bin/env node
'use strict';
// Runs the compiled test files with Node's built-in test runner.
// `node scripts/run-tests.js [unit|integration|<substring>]...` narrows the set.
const { readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..', 'dist', 'test');
function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? collect(path) : name.endsWith('.test.js') ? [path] : [];
  });
}
const filters = process.argv.slice(2);
const files = collect(root)
  .filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)))
  .sort((a, b) => (a.includes('/unit/') ? 0 : 1) - (b.includes('/unit/') ? 0 : 1) || a.localeCompare(b));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// A Temporal dev server the tests start (the first integration test does, when none answers) is
// stopped at the end; one that was already running (a developer's, CI's) is left running.
async function main() {
  const { loadConfig } = require(join(__dirname, '..', 'dist', 'src', 'config.js'));
  const { devServerOwnership } = require(join(__dirname, '..', 'dist', 'src', 'temporal', 'dev-server.js'));
  const { stateDir, temporalAddress } = loadConfig();
  const devServer = await devServerOwnership(stateDir, temporalAddress);
  const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
  });
  if (await devServer.stopIfStarted()) console.error(`stopped the Temporal dev server the tests started on ${temporalAddress}`);
  process.exit(result.status ?? 1);
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
