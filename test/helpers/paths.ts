import { join } from 'node:path';

/** The project root, from compiled test files in dist/test/… */
export const PROJECT_ROOT = join(__dirname, '..', '..', '..');
export const FIXTURES = join(PROJECT_ROOT, 'test', 'flows');
export const TFLOW_BIN = join(PROJECT_ROOT, 'bin', 'tflow.js');
