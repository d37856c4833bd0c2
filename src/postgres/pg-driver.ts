/**
 * node-postgres, loaded on first use. The task registry imports the KV and JDBC task modules, and
 * the compiler (so `tflow run` and `tflow validate`) imports the registry: loading the driver only
 * when a connection is made keeps it out of commands that never open one (docs/performance.md).
 */
import type * as Pg from 'pg';

let driver: typeof Pg | undefined;

export function pg(): typeof Pg {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy, see above
  driver ??= require('pg') as typeof Pg;
  return driver;
}
