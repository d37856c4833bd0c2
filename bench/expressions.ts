/**
 * Expression rendering speed: 10,000 renders of the course's file-name template, against a
 * hand-written regex substitution of the same template (the floor for any template engine).
 */
import { render } from '../src/workflow/expression';
import type { BenchRow } from './results';
import { formatStats, stats } from './stats';

const TEMPLATE = '{{ inputs.taxi }}_tripdata_{{ inputs.year }}-{{ inputs.month }}.csv';
const CONTEXT = { inputs: { taxi: 'green', year: '2019', month: '01' } };
const RENDERS = 10_000;

function time(fn: () => void): number {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function naive(template: string, context: typeof CONTEXT): string {
  return template.replace(/\{\{\s*inputs\.(\w+)\s*\}\}/g, (_, key: keyof typeof CONTEXT.inputs) => context.inputs[key]);
}

export function benchExpressions(runs = 5): BenchRow {
  if (render(TEMPLATE, CONTEXT) !== naive(TEMPLATE, CONTEXT)) throw new Error('the engine and the baseline disagree');
  // Templates are parsed once and cached, as they are in a real worker: vary nothing but the context.
  const engine = stats(
    Array.from({ length: runs }, () =>
      time(() => {
        for (let i = 0; i < RENDERS; i++) render(TEMPLATE, CONTEXT);
      }),
    ),
  );
  const baseline = stats(
    Array.from({ length: runs }, () =>
      time(() => {
        for (let i = 0; i < RENDERS; i++) naive(TEMPLATE, CONTEXT);
      }),
    ),
  );
  return {
    benchmark: `expressions: ${RENDERS.toLocaleString('en')} renders of \`${TEMPLATE}\``,
    tflow: formatStats(engine, 'ms'),
    baseline: `regex replace: ${formatStats(baseline, 'ms')}`,
    ratio: `${(engine.median / baseline.median).toFixed(1)}× (time)`,
    target: 'well under 1 s',
    met: engine.median < 500,
  };
}
