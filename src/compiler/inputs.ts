/** Flow `inputs` and `outputs`: each declaration checked, then built into its InputSpec / OutputSpec. */
import { regexProblem } from '../workflow/expression';
import { parseDuration } from '../workflow/interpreter/duration';
import { cycleMessage, findCycle } from '../workflow/flow/graph';
import { INPUT_SCHEMAS, INPUT_TYPES, type InputDocument, type InputTypeName, outputSchema } from '../workflow/flow/schema';
import type { InputSpec, InputType, OutputSpec } from '../workflow/flow/spec';
import { closest } from './diagnostics';
import type { FlowSource } from './flow-source';
import { isPlainObject, isTemplate, type YamlPath } from './yaml-values';

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

function compileInput(source: FlowSource, item: unknown, path: YamlPath): InputSpec | undefined {
  if (!isPlainObject(item)) return source.reportAndSkip(path, 'an input must be a mapping with at least `id` and `type`');
  if (!source.checkTypeName(item.type, INPUT_TYPES, path, 'STRING')) return undefined;
  const type = item.type as InputTypeName;
  let candidate = item;
  if (type === 'FILE' && 'defaults' in item) {
    source.report([...path, 'defaults'], "no `defaults` can be set for inputs of type 'FILE'", 'a FILE input is uploaded with each execution', true);
    const { defaults: _defaults, ...rest } = item;
    candidate = rest;
  }
  const parsed = INPUT_SCHEMAS[type].safeParse(candidate);
  if (!parsed.success) return source.reportZodIssues(path, candidate, parsed.error.issues, INPUT_SCHEMAS[type]);
  const input = parsed.data as InputDocument;
  const id = input.id ?? input.name;
  if (!id) return source.reportAndSkip(path, '`id` is required', 'every input needs an `id`');

  if (input.itemType !== undefined) {
    if (input.itemType === 'ARRAY') source.report([...path, 'itemType'], '`itemType` cannot be `ARRAY`');
    else source.checkTypeName(input.itemType, INPUT_TYPES, [...path, 'itemType']);
  }
  const validatorProblem = typeof input.validator === 'string' ? regexProblem(input.validator) : undefined;
  if (validatorProblem !== undefined)
    source.report([...path, 'validator'], validatorProblem, 'a regular expression (RE2 syntax) the whole value must match');
  if ((type === 'SELECT' || type === 'ENUM' || type === 'MULTISELECT') && !input.values && !input.options && !input.expression) {
    source.report(path, `a ${type} input needs \`values\` or \`expression\``, 'list the allowed values, e.g. values: [yellow, green]');
  }
  checkInputBounds(source, type, input, path);
  if (typeof input.defaults === 'string') source.checkExpressions(input.defaults, [...path, 'defaults']);
  if (input.expression !== undefined) source.checkExpressions(input.expression, [...path, 'expression']);
  if (input.dependsOn?.condition !== undefined) source.checkExpressions(input.dependsOn.condition, [...path, 'dependsOn', 'condition']);

  return {
    id,
    type: type as InputType,
    required: input.required ?? true,
    ...(input.defaults !== undefined ? { defaults: input.defaults } : {}),
    description: input.description,
    displayName: input.displayName,
    validator: input.validator,
    values: (input.values ?? input.options)?.map(String),
    allowCustomValue: input.allowCustomValue,
    min: input.min,
    max: input.max,
    itemType: input.itemType as InputType | undefined,
    expression: input.expression,
    after: input.after,
    before: input.before,
    extension: input.extension,
    ...(input.dependsOn ? { dependsOn: { inputs: input.dependsOn.inputs ?? [], condition: input.dependsOn.condition } } : {}),
    position: source.positionOf(path),
  };
}

/** `min`/`max` and `after`/`before` must parse as the input's type and be in order. */
function checkInputBounds(source: FlowSource, type: InputTypeName, input: InputDocument, path: YamlPath): void {
  const parse = (value: unknown): number | undefined => {
    if (value === undefined || isTemplate(value)) return undefined;
    const text = String(value);
    let parsed: number | undefined;
    if (type === 'INT') parsed = /^[-+]?\d+$/.test(text) ? Number(text) : NaN;
    else if (type === 'FLOAT') parsed = text.trim() === '' ? NaN : Number(text);
    else if (type === 'DURATION') parsed = parseDuration(text) ?? NaN;
    else if (type === 'DATETIME' || type === 'DATE') parsed = Date.parse(text);
    else if (type === 'TIME') parsed = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$/.test(text) ? Date.parse(`1970-01-01T${text}Z`) : NaN;
    return parsed;
  };
  const [low, high] = type === 'DATETIME' || type === 'DATE' || type === 'TIME' ? (['after', 'before'] as const) : (['min', 'max'] as const);
  const lowValue = parse(input[low]);
  const highValue = parse(input[high]);
  for (const [key, value] of [
    [low, lowValue],
    [high, highValue],
  ] as const) {
    if (Number.isNaN(value)) source.report([...path, key], `\`${key}\` must be a valid ${type} value, but is \`${String(input[key])}\``);
  }
  if (lowValue !== undefined && highValue !== undefined && lowValue > highValue) {
    source.report([...path, high], `\`${low}\` must not be greater than \`${high}\``);
  }
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
