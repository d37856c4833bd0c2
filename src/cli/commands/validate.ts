import type { Command } from 'commander';
import { compileFiles } from '../flow-files';
import { printDiagnostics, toStdout } from '../output';

export function configureValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'check flow files without running them: one `file:line:col: message` line per problem, and a `file:line:col: warning: message` line per deprecated type or form (accepted)',
    )
    .argument('<paths...>', 'flow files or folders')
    .action((paths: string[]) => {
      let problems = 0;
      for (const { file, result } of compileFiles(paths)) {
        if (result.spec) {
          toStdout(`✓ ${file}: ${result.spec.namespace}.${result.spec.id}`);
          printDiagnostics(result.warnings ?? [], toStdout);
        } else {
          problems += result.diagnostics.length;
          // Problems and warnings, in reading order.
          printDiagnostics(
            [...result.diagnostics, ...(result.warnings ?? [])].sort((a, b) => a.line - b.line || a.col - b.col),
            toStdout,
          );
        }
      }
      process.exitCode = problems > 0 ? 1 : 0;
    });
}
