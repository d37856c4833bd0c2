import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Context, ExpressionError, render } from '../../workflow/expression';
import { toStdout, UsageError } from '../output';

/**
 * `tflow expr '<template>' [--context ctx.json]`: renders a Pebble template against a JSON context and
 * prints the result — Kestra's "debug expression" console, as a command.
 *
 * @example tflow expr "{{ inputs.taxi ~ '_tripdata' }}" --context '{"inputs": {"taxi": "green"}}'
 */
export function configureExprCommand(program: Command): void {
  program
    .command('expr')
    .description('render an expression template against a JSON context and print the result')
    .argument('<template>', 'a template, e.g. "{{ trigger.date | date(\'yyyy-MM\') }}"')
    .option('-c, --context <file or JSON>', 'the variables: a JSON file, or inline JSON (e.g. \'{"inputs": {"name": "Ada"}}\')')
    .action((template: string, options: { context?: string }) => {
      const context = options.context === undefined ? {} : readContext(options.context);
      try {
        toStdout(render(template, context));
      } catch (error) {
        // An expression mistake is the user's, not a crash: print it like a usage error.
        if (error instanceof ExpressionError) throw new UsageError(error.message);
        throw error;
      }
    });
}

function readContext(value: string): Context {
  const text = value.trimStart().startsWith('{') || !existsSync(value) ? value : readFileSync(value, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--context: not a JSON file or JSON text: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--context: the context must be a JSON object');
  return parsed as Context;
}
