/** Flow `inputs` and `outputs`: each declaration checked, then built into its InputSpec / OutputSpec. */
import { cycleMessage, findCycle } from '../workflow/flow/graph';
import { INPUT_TYPES, type InputDocument, inputDeclarationProblems, inputSchemaOf, inputSpecOf, type InputTypeName } from '../workflow/flow/inputs';
import { outputSchema } from '../workflow/flow/schema';
import type { InputSpec, InputType, OutputSpec } from '../workflow/flow/spec';
import { closest } from './diagnostics';
import type { FlowSource } from './flow-source';
import { isPlainObject, withoutEmptyProperties, type YamlPath } from './yaml-values';

export function compileInputs(source: FlowSource, items: unknown): InputSpec[] {
  if (!Array.isArray(items)) return [];
  const inputs: InputSpec[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const path = ['inputs', index];
    const input = compileInput(source, item, path);
    if (!input) return;
    if (seen.has(input.id)) source.report([...path, 'id'], `Duplicate input with name [${input.id}]`);
    seen.add(input.id);
    inputs.push(input);
  });
  checkInputDependencies(source, inputs);
  return inputs;
}

function compileInput(source: FlowSource, value: unknown, path: YamlPath): InputSpec | undefined {
  if (!isPlainObject(value)) return source.reportAndSkip(path, 'an input must be a mapping with at least `id` and `type`');
  const item = withoutEmptyProperties(value);
  if (!source.checkTypeName(item.type, INPUT_TYPES, path, 'STRING')) return undefined;
  const type = item.type as InputTypeName;
  let candidate = item;
  if (type === 'FILE' && 'defaults' in item) {
    source.report([...path, 'defaults'], "no `defaults` can be set for inputs of type 'FILE'", 'a FILE input is uploaded with each execution', true);
    const { defaults: _defaults, ...rest } = item;
    candidate = rest;
  }
  const parsed = inputSchemaOf(type).safeParse(candidate);
  if (!parsed.success) return source.reportZodIssues(path, candidate, parsed.error.issues, inputSchemaOf(type));
  const input = parsed.data as InputDocument;
  const id = input.id ?? input.name;
  if (!id) return source.reportAndSkip(path, '`id` is required', 'every input needs an `id`');

  // `itemType` names an input type (ARRAY excluded by the declaration's own rules).
  if (input.itemType !== undefined && input.itemType !== 'ARRAY') source.checkTypeName(input.itemType, INPUT_TYPES, [...path, 'itemType']);
  source.reportProblems(path, inputDeclarationProblems(input));
  if (typeof input.defaults === 'string') source.checkExpressions(input.defaults, [...path, 'defaults']);
  if (input.expression !== undefined) source.checkExpressions(input.expression, [...path, 'expression']);
  if (input.dependsOn?.condition !== undefined) source.checkExpressions(input.dependsOn.condition, [...path, 'dependsOn', 'condition']);

  return { ...inputSpecOf(input), position: source.positionOf(path) };
}

/** `dependsOn.inputs` names declared inputs, without cycles. */
function checkInputDependencies(source: FlowSource, inputs: InputSpec[]): void {
  const ids = new Set(inputs.map((input) => input.id));
  const dependencies = new Map<string, string[]>();
  for (const input of inputs) {
    const targets = input.dependsOn?.inputs ?? [];
    dependencies.set(input.id, targets);
    const index = inputs.indexOf(input);
    targets.forEach((target, i) => {
      if (!ids.has(target)) {
        const suggestion = closest(target, [...ids]);
        source.report(
          ['inputs', index, 'dependsOn', 'inputs', i],
          `Input [${input.id}] depends on a non-existing input [${target}]`,
          suggestion ? `did you mean ${suggestion}?` : undefined,
        );
      }
    });
  }
  const cycle = findCycle(dependencies);
  if (cycle) {
    const index = inputs.findIndex((input) => input.id === cycle[0]);
    source.report(['inputs', index, 'dependsOn'], cycleMessage(cycle));
  }
}

export function compileOutputs(source: FlowSource, items: unknown): OutputSpec[] {
  if (!Array.isArray(items)) return [];
  const outputs: OutputSpec[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const path = ['outputs', index];
    if (!isPlainObject(item)) return source.report(path, 'an output must be a mapping with `id`, `type` and `value`');
    if (!source.checkTypeName(item.type, INPUT_TYPES, path, 'STRING')) return;
    const parsed = outputSchema.safeParse(item);
    if (!parsed.success) return source.reportZodIssues(path, item, parsed.error.issues, outputSchema);
    if (!('value' in item)) return source.report(path, '`value` is required');
    if (seen.has(parsed.data.id)) source.report([...path, 'id'], `Duplicate output with name [${parsed.data.id}]`);
    seen.add(parsed.data.id);
    source.checkExpressions(parsed.data.value, [...path, 'value']);
    outputs.push({ id: parsed.data.id, type: parsed.data.type as InputType, value: parsed.data.value, description: parsed.data.description });
  });
  return outputs;
}
