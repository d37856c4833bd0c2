/**
 * Validation speed: compiling a 500-task flow (Logs with expressions, retries, nested If and Parallel),
 * against parsing the same YAML with positions and nothing else (the floor for any validator).
 */
import { LineCounter, parseDocument } from 'yaml';
import { compileFlow } from '../src/compiler/compile';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';

const TASKS = 500;

/** 500 tasks: groups of 10 inside If/Parallel flowables, every task with an expression to check. */
export function largeFlow(tasks = TASKS): string {
  const lines = ['id: large_flow', 'namespace: bench', 'inputs:', '  - id: name', '    type: STRING', '    defaults: world', 'tasks:'];
  for (let group = 0; group < tasks / 10; group++) {
    const flowable = group % 2 === 0 ? ['io.kestra.plugin.core.flow.If', 'then'] : ['io.kestra.plugin.core.flow.Parallel', 'tasks'];
    lines.push(`  - id: group_${group}`, `    type: ${flowable[0]}`);
    if (group % 2 === 0) lines.push(`    condition: "{{ inputs.name != 'x' }}"`);
    lines.push(`    ${flowable[1]}:`);
    for (let i = 0; i < 9; i++) {
      lines.push(
        `      - id: task_${group}_${i}`,
        '        type: io.kestra.plugin.core.log.Log',
        `        message: "Hello {{ inputs.name | upper }} from ${group}/${i}"`,
        '        retry:',
        '          type: constant',
        '          interval: PT1S',
        '          maxAttempts: 2',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function time(fn: () => void): number {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export function benchValidation(runs = 7): BenchRow {
  const source = largeFlow();
  const { spec, diagnostics } = compileFlow(source, 'large_flow.yaml');
  if (!spec || diagnostics.length > 0) throw new Error(`the bench flow does not compile: ${diagnostics[0]?.message}`);
  const compile = stats(Array.from({ length: runs }, () => time(() => compileFlow(source, 'large_flow.yaml'))));
  const parse = stats(Array.from({ length: runs }, () => time(() => parseDocument(source, { lineCounter: new LineCounter() }))));
  return {
    benchmark: `validation: \`compileFlow\` of a ${TASKS}-task flow (${source.length.toLocaleString('en')} bytes)`,
    tflow: formatStats(compile, 'ms'),
    baseline: `YAML parse only: ${formatStats(parse, 'ms')}`,
    ratio: `${(compile.median / parse.median).toFixed(1)}× (time)`,
    target: 'well under 1 s',
    met: compile.median < 250,
  };
}
