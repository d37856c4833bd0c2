#!/usr/bin/env node
'use strict';
// Fails when the modules under src/ import each other in a cycle, `import type` included: a cycle
// means a contract lives in the wrong module (a type both sides need belongs in a third one), and
// value cycles make the order modules initialise in depend on who is imported first.
// Every import, re-export, `import()` and `require()` of src/**/*.ts is resolved as tsc resolves
// it (tsconfig.json); each cycle found is printed as a path, a.ts → b.ts → a.ts.
const ts = require('typescript');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const configPath = join(root, 'tsconfig.json');
const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configPath);

const srcDir = join(root, 'src');
const files = ts.sys.readDirectory(srcDir, ['.ts'], ['**/*.d.ts']).map((file) => ts.sys.resolvePath(file));
const inSrc = new Set(files);

/** The files under src/ each file imports, in source order. */
const imports = new Map();
for (const file of files) {
  const { importedFiles } = ts.preProcessFile(ts.sys.readFile(file), true, true);
  const targets = [];
  for (const { fileName } of importedFiles) {
    const resolved = ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule;
    const target = resolved && ts.sys.resolvePath(resolved.resolvedFileName);
    if (target && inSrc.has(target) && !targets.includes(target)) targets.push(target);
  }
  imports.set(file, targets);
}

// Tarjan's strongly connected components: each component of more than one file (or a file that
// imports itself) holds at least one cycle.
let index = 0;
const indices = new Map();
const lowLinks = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function visit(file) {
  indices.set(file, index);
  lowLinks.set(file, index);
  index++;
  stack.push(file);
  onStack.add(file);
  for (const target of imports.get(file)) {
    if (!indices.has(target)) {
      visit(target);
      lowLinks.set(file, Math.min(lowLinks.get(file), lowLinks.get(target)));
    } else if (onStack.has(target)) {
      lowLinks.set(file, Math.min(lowLinks.get(file), indices.get(target)));
    }
  }
  if (lowLinks.get(file) !== indices.get(file)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== file);
  if (component.length > 1 || imports.get(file).includes(file)) components.push(component);
}
for (const file of files.sort()) if (!indices.has(file)) visit(file);

/** One shortest cycle through `start` within its component (breadth-first from start back to it). */
function cycleThrough(start, component) {
  const members = new Set(component);
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const target of imports.get(file)) {
      if (target === start) {
        const path = [start];
        for (let at = file; at !== start; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (members.has(target) && !previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

if (components.length > 0) {
  const name = (file) => relative(root, file);
  for (const component of components) {
    const start = [...component].sort()[0];
    const others = component.length > 2 ? ` (${component.length} files import each other: ${component.map(name).sort().join(', ')})` : '';
    console.error(`import cycle: ${cycleThrough(start, component).map(name).join(' → ')}${others}`);
  }
  console.error(`${components.length} import cycle(s) in src/: move what both sides need into a module of its own`);
  process.exit(1);
}
