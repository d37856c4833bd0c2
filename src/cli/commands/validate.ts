import type { Command } from 'commander';
import { compileFiles } from '../flow-files';
import { printDiagnostics, toStdout } from '../output';

export function configureValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check flow files without running them: one `file:line:col: message` line per problem')
    .argument('<paths...>', 'flow files or folders')
    .action((paths: string[]) => {
      let problems = 0;
      for (const { file, result } of compileFiles(paths)) {
        if (result.spec) {
          toStdout(`✓ ${file}: ${result.spec.namespace}.${result.spec.id}`);
        } else {
          problems += result.diagnostics.length;
          printDiagnostics(result.diagnostics, toStdout);
        }
      }
      process.exitCode = problems > 0 ? 1 : 0;
    });
}
