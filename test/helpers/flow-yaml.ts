/** Pieces of inline flow YAML that many integration tests write the same way. */

/**
 * A top-level task (YAML list item, indented under `tasks:`) that runs shell `commands` as a local
 * process (no Docker) and keeps `outputFiles`. Each entry is written as is: quote globs yourself.
 */
export function processCommandsTask(id: string, { outputFiles, commands }: { outputFiles: string[]; commands: string[] }): string {
  return [
    `  - id: ${id}`,
    '    type: io.kestra.plugin.scripts.shell.Commands',
    '    outputFiles:',
    ...outputFiles.map((file) => `      - ${file}`),
    '    taskRunner:',
    '      type: io.kestra.plugin.core.runner.Process',
    '    commands:',
    ...commands.map((command) => `      - ${command}`),
  ].join('\n');
}
