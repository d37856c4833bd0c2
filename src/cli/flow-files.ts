/**
 * Finding and compiling the flow files a command names (files or folders).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileFlowFile, type CompileResult } from '../compiler/compile';

/** Flow files under the given paths: files as they are, folders searched for *.yml / *.yaml. */
export function flowFilesIn(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return [path];
    if (!stat.isDirectory()) return [path];
    return readdirSync(path)
      .sort()
      .flatMap((name) => {
        const child = join(path, name);
        return statSync(child).isDirectory() ? flowFilesIn([child]) : /\.ya?ml$/i.test(name) ? [child] : [];
      });
  });
}

export function compileFiles(paths: readonly string[]): { file: string; result: CompileResult }[] {
  return flowFilesIn(paths).map((file) => ({ file, result: compileFlowFile(file) }));
}
