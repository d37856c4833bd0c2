import type { Command } from 'commander';
import { flowJsonSchema } from '../../compiler/json-schema';
import { toStdout } from '../output';

/**
 * `tflow schema`: prints the JSON Schema for flow files (draft-07). Editors use it to complete and
 * check flows; `schema/flow.schema.json` is the committed copy (`npm run schema` refreshes it).
 */
export function configureSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema for flow files (for editors: see the README, "Checking and editing flows")')
    .action(() => {
      toStdout(formatSchema(flowJsonSchema()));
    });
}

/** The schema as committed: two-space indented JSON. */
export function formatSchema(schema: unknown): string {
  return JSON.stringify(schema, null, 2);
}
