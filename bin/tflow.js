#!/usr/bin/env node
'use strict';
// The CLI is written in TypeScript and compiled to dist/ by `npm ci` / `npm run build` (the `prepare` script).
try {
  require('../dist/src/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
    console.error('tflow is not built yet: run `npm run build` (or `npm ci`) in the project folder first.');
    process.exit(1);
  }
  throw err;
}
