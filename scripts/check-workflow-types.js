#!/usr/bin/env node
'use strict';
// Type-checks the workflow sandbox's files (tsconfig.workflow.json: no Node types, no DOM), so a
// `Buffer`, `process` or `import 'node:fs'` in workflow code fails here rather than at run time.
// Only the listed files are held to it: activity-side modules they reach through `import type`
// (erased at compile time, never bundled) keep their Node types, so their diagnostics are skipped.
const ts = require('typescript');
const { join } = require('node:path');

const configPath = join(__dirname, '..', 'tsconfig.workflow.json');
const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
if (error) fail([error]);
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, join(__dirname, '..'), undefined, configPath);
if (parsed.errors.length > 0) fail(parsed.errors);
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
const sandboxFiles = new Set(parsed.fileNames.map((name) => ts.sys.resolvePath(name)));
const diagnostics = [
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
  ...program
    .getSourceFiles()
    .filter((file) => sandboxFiles.has(ts.sys.resolvePath(file.fileName)))
    .flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
];
if (diagnostics.length > 0) fail(diagnostics);

function fail(list) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: ts.sys.getCurrentDirectory, getNewLine: () => '\n' };
  console.error(ts.formatDiagnostics(list, host));
  console.error('workflow sandbox type check (tsconfig.workflow.json) failed: workflow code may not use Node APIs');
  process.exit(1);
}
