/**
 * The flow compiler: YAML text → a validated FlowSpec, or every problem found, each with its
 * `file:line:col`, YAML path and a hint. Runs outside the workflow (CLI, API, worker), never inside.
 *
 * The rules are Kestra's (flow properties, inputs, task properties, triggers; where tflow differs: README
 * "Beyond the course: Kestra 1.x features, and where tflow differs"), with its error
 * texts where it has one. Schemas live in ./schema.ts (flow, inputs, retry…), ./triggers.ts and the
 * task registry; this file walks the document, applies pluginDefaults, checks what schemas cannot
 * say (unique ids, references, cycles, cron, regexes, expressions) and builds the FlowSpec.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { checkTemplate, regexProblem } from '../workflow/expression';
import { parseDuration } from '../workflow/interpreter/duration';
import { findTaskType, knownTypeNames } from '../plugins/registry';
import { unknownPluginTypeMessage } from './unknown-type-message';
import type { ChildrenLayout, TaskDefinition } from '../workflow/plugins/task-definition';
import { closest, type Diagnostic, formatPath, type PropertyProblem } from './diagnostics';
import { FLOWABLE_RULES } from './flowable-rules';
import { cycleMessage, findCycle } from '../workflow/flow/graph';
import {
  checkSchema,
  commonTaskShape,
  flowSchema,
  INPUT_SCHEMAS,
  INPUT_TYPES,
  type InputDocument,
  type InputTypeName,
  outputSchema,
  type PluginDefault,
  pluginDefaultSchema,
  RETRY_TYPES,
  type RetryDocument,
  retrySchema,
  SLA_TYPES,
  slaSchema,
} from '../workflow/flow/schema';
import {
  FLOW_SPEC_VERSION,
  type CheckSpec,
  type ConcurrencySpec,
  type FlowSpec,
  type InputSpec,
  type InputType,
  type OutputSpec,
  type RetrySpec,
  type SlaSpec,
  type TaskSpec,
  type TriggerSpec,
} from '../workflow/flow/spec';
import { findTriggerType, knownTriggerTypeNames, type TriggerDefinition, triggerSchemaFor } from './triggers';

export interface CompileResult {
  /** Present only when there is no diagnostic. */
  spec?: FlowSpec;
  diagnostics: Diagnostic[];
}

type YamlPath = (string | number)[];
type YamlMap = Record<string, unknown>;

/** Compiles a flow file from disk. */
export function compileFlowFile(path: string): CompileResult {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    return { diagnostics: [{ file: path, line: 1, col: 1, path: '', message: `cannot read the flow file: ${(error as Error).message}` }] };
  }
  return compileFlow(source, path);
}

/** Compiles flow YAML. `file` names the source in diagnostics. */
export function compileFlow(source: string, file = '<flow>'): CompileResult {
  try {
    return new FlowCompiler(source, file).compile();
  } catch (error) {
    // Hostile or pathological documents (an alias bomb, nesting deeper than the stack) are a
    // problem of the flow, reported like any other, never a crash of whoever compiles it.
    const message = unmanageableDocumentMessage(error);
    if (message === undefined) throw error;
    return { diagnostics: [{ file, line: 1, col: 1, path: '', message }] };
  }
}

/** The shortest webhook key the compiler accepts (README "Security"). */
const MIN_WEBHOOK_KEY_LENGTH = 16;

/** YAML aliases may expand to at most this many nodes (the `yaml` library's alias-bomb guard). */
const MAX_ALIAS_COUNT = 100;

function unmanageableDocumentMessage(error: unknown): string | undefined {
  if (error instanceof ReferenceError && /alias/i.test(error.message)) {
    return `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} aliased nodes): the document looks like an alias bomb (${error.message})`;
  }
  if (error instanceof RangeError) return `the flow is nested too deeply to compile (${error.message})`;
  return undefined;
}

/** Properties of a flowable task that hold error handlers, compiled as tasks. */
const FLOWABLE_ERROR_LISTS = ['errors'];

/**
 * Trigger types nothing fires yet. Deployed flows' Schedule triggers become Temporal Schedules and
 * their Flow triggers fire when a listened-to execution ends (src/triggers).
 */
const TRIGGERS_NOT_YET_APPLIED: readonly string[] = [];

class FlowCompiler {
  private readonly lines = new LineCounter();
  private readonly doc: Document;
  private readonly diagnostics: Diagnostic[] = [];
  /** Every task id and where it appears: ids are unique across the whole flow. */
  private readonly taskIds = new Map<string, YamlPath[]>();
  private readonly triggerIds = new Map<string, YamlPath[]>();
  private pluginDefaults: PluginDefault[] = [];

  constructor(
    private readonly source: string,
    private readonly file: string,
  ) {
    this.doc = parseDocument(source, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: true });
  }

  compile(): CompileResult {
    if (!this.reportYamlErrors()) return { diagnostics: this.diagnostics };

    const raw = this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    if (!isPlainObject(raw)) {
      this.report([], 'a flow must be a YAML mapping with at least `id`, `namespace` and `tasks`');
      return { diagnostics: this.diagnostics };
    }
    const parsed = flowSchema.safeParse(raw);
    if (!parsed.success) this.reportZodIssues([], raw, parsed.error.issues, flowSchema);
    const flow = raw as Partial<Record<keyof z.output<typeof flowSchema>, unknown>>;

    this.pluginDefaults = [
      ...this.compilePluginDefaults(flow.pluginDefaults, ['pluginDefaults']),
      ...this.compilePluginDefaults(flow.taskDefaults, ['taskDefaults']),
    ];
    const inputs = this.compileInputs(flow.inputs);
    const tasks = this.compileTaskList(flow.tasks, ['tasks']);
    const errors = this.compileTaskList(flow.errors, ['errors']);
    const finallyTasks = this.compileTaskList(flow.finally, ['finally']);
    const afterExecution = this.compileTaskList(flow.afterExecution, ['afterExecution']);
    this.compileListeners(flow.listeners);
    const outputs = this.compileOutputs(flow.outputs);
    const labels = this.compileLabels(flow.labels, ['labels'], true);
    const triggers = this.compileTriggers(flow.triggers);
    const retry = flow.retry === undefined ? undefined : this.compileRetry(flow.retry, ['retry']);
    const sla = this.compileSla(flow.sla);
    const checks = this.compileChecks(flow.checks);
    if (isPlainObject(flow.variables)) this.checkExpressions(flow.variables, ['variables']);
    this.checkDuplicateIds(this.taskIds, 'task', 'task ids must be unique across the whole flow, errors and finally included');
    this.checkDuplicateIds(this.triggerIds, 'trigger', 'trigger ids must be unique in the flow');

    // In reading order, whichever part of the compiler found them.
    this.diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
    if (this.diagnostics.length > 0 || !parsed.success) return { diagnostics: this.diagnostics };
    // What the compiler accepts but this interpreter does not act on yet: `tflow validate` says so.
    const ignored: string[] = [];
    if (triggers.some((trigger) => TRIGGERS_NOT_YET_APPLIED.includes(trigger.type))) ignored.unshift('triggers (Webhook)');
    const concurrency: ConcurrencySpec | undefined = parsed.data.concurrency
      ? { limit: parsed.data.concurrency.limit, behavior: parsed.data.concurrency.behavior ?? 'QUEUE' }
      : undefined;
    const spec: FlowSpec = {
      specVersion: FLOW_SPEC_VERSION,
      id: parsed.data.id,
      namespace: parsed.data.namespace,
      revision: parsed.data.revision ?? 1,
      description: parsed.data.description,
      source: this.file,
      inputs,
      variables: parsed.data.variables ?? {},
      labels,
      tasks,
      errors,
      finally: finallyTasks,
      outputs,
      disabled: parsed.data.disabled ?? false,
      retry,
      afterExecution,
      triggers,
      ...(concurrency ? { concurrency } : {}),
      sla,
      checks,
      ...(ignored.length > 0 ? { ignored } : {}),
    };
    return { spec, diagnostics: [] };
  }

  /** Reports YAML syntax errors; false when the document cannot be compiled further. */
  private reportYamlErrors(): boolean {
    const seenLines = new Set<number>();
    for (const error of this.doc.errors) {
      const [start] = error.linePos ?? [this.lines.linePos(error.pos[0])];
      // One mistake often derails the parser for the rest of its line: report the first.
      if (seenLines.has(start.line)) continue;
      seenLines.add(start.line);
      const message = error.code === 'DUPLICATE_KEY' ? `Duplicate field '${this.keyAt(error.pos[0])}'` : firstLine(error.message);
      this.diagnostics.push({ file: this.file, line: start.line, col: start.col, path: '', message, hint: yamlHint(error.code) });
    }
    // A duplicate key leaves a usable document: go on, so its other problems are reported too.
    return this.doc.errors.every((error) => error.code === 'DUPLICATE_KEY');
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs and outputs

  private compileInputs(items: unknown): InputSpec[] {
    if (!Array.isArray(items)) return [];
    const inputs: InputSpec[] = [];
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const path = ['inputs', index];
      const input = this.compileInput(item, path);
      if (!input) return;
      if (seen.has(input.id)) this.report([...path, 'id'], `Duplicate input with name [${input.id}]`);
      seen.add(input.id);
      inputs.push(input);
    });
    this.checkInputDependencies(inputs);
    return inputs;
  }

  private compileInput(item: unknown, path: YamlPath): InputSpec | undefined {
    if (!isPlainObject(item)) return this.reportAndSkip(path, 'an input must be a mapping with at least `id` and `type`');
    if (!this.checkTypeName(item.type, INPUT_TYPES, path, 'STRING')) return undefined;
    const type = item.type as InputTypeName;
    let candidate = item;
    if (type === 'FILE' && 'defaults' in item) {
      this.report([...path, 'defaults'], "no `defaults` can be set for inputs of type 'FILE'", 'a FILE input is uploaded with each execution', true);
      const { defaults: _defaults, ...rest } = item;
      candidate = rest;
    }
    const parsed = INPUT_SCHEMAS[type].safeParse(candidate);
    if (!parsed.success) return this.reportZodIssues(path, candidate, parsed.error.issues, INPUT_SCHEMAS[type]);
    const input = parsed.data as InputDocument;
    const id = input.id ?? input.name;
    if (!id) return this.reportAndSkip(path, '`id` is required', 'every input needs an `id`');

    if (input.itemType !== undefined) {
      if (input.itemType === 'ARRAY') this.report([...path, 'itemType'], '`itemType` cannot be `ARRAY`');
      else this.checkTypeName(input.itemType, INPUT_TYPES, [...path, 'itemType']);
    }
    const validatorProblem = typeof input.validator === 'string' ? regexProblem(input.validator) : undefined;
    if (validatorProblem !== undefined)
      this.report([...path, 'validator'], validatorProblem, 'a regular expression (RE2 syntax) the whole value must match');
    if ((type === 'SELECT' || type === 'ENUM' || type === 'MULTISELECT') && !input.values && !input.options && !input.expression) {
      this.report(path, `a ${type} input needs \`values\` or \`expression\``, 'list the allowed values, e.g. values: [yellow, green]');
    }
    this.checkInputBounds(type, input, path);
    if (typeof input.defaults === 'string') this.checkExpressions(input.defaults, [...path, 'defaults']);
    if (input.expression !== undefined) this.checkExpressions(input.expression, [...path, 'expression']);
    if (input.dependsOn?.condition !== undefined) this.checkExpressions(input.dependsOn.condition, [...path, 'dependsOn', 'condition']);

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
      position: this.positionOf(path),
    };
  }

  /** `min`/`max` and `after`/`before` must parse as the input's type and be in order. */
  private checkInputBounds(type: InputTypeName, input: InputDocument, path: YamlPath): void {
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
      if (Number.isNaN(value)) this.report([...path, key], `\`${key}\` must be a valid ${type} value, but is \`${String(input[key])}\``);
    }
    if (lowValue !== undefined && highValue !== undefined && lowValue > highValue) {
      this.report([...path, high], `\`${low}\` must not be greater than \`${high}\``);
    }
  }

  /** `dependsOn.inputs` names declared inputs, without cycles. */
  private checkInputDependencies(inputs: InputSpec[]): void {
    const ids = new Set(inputs.map((input) => input.id));
    const dependencies = new Map<string, string[]>();
    for (const input of inputs) {
      const targets = input.dependsOn?.inputs ?? [];
      dependencies.set(input.id, targets);
      const index = inputs.indexOf(input);
      targets.forEach((target, i) => {
        if (!ids.has(target)) {
          const suggestion = closest(target, [...ids]);
          this.report(
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
      this.report(['inputs', index, 'dependsOn'], cycleMessage(cycle));
    }
  }

  private compileOutputs(items: unknown): OutputSpec[] {
    if (!Array.isArray(items)) return [];
    const outputs: OutputSpec[] = [];
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const path = ['outputs', index];
      if (!isPlainObject(item)) return this.report(path, 'an output must be a mapping with `id`, `type` and `value`');
      if (!this.checkTypeName(item.type, INPUT_TYPES, path, 'STRING')) return;
      const parsed = outputSchema.safeParse(item);
      if (!parsed.success) return this.reportZodIssues(path, item, parsed.error.issues, outputSchema);
      if (!('value' in item)) return this.report(path, '`value` is required');
      if (seen.has(parsed.data.id)) this.report([...path, 'id'], `Duplicate output with name [${parsed.data.id}]`);
      seen.add(parsed.data.id);
      this.checkExpressions(parsed.data.value, [...path, 'value']);
      outputs.push({ id: parsed.data.id, type: parsed.data.type as InputType, value: parsed.data.value, description: parsed.data.description });
    });
    return outputs;
  }

  // ---------------------------------------------------------------------------------------------
  // Labels, pluginDefaults, triggers, retry, SLA, checks

  /** Labels as a map; in the flow itself, `system.*` keys are Kestra's own. */
  private compileLabels(labels: unknown, path: YamlPath, refuseSystemLabels: boolean): Record<string, string> {
    if (labels === undefined || labels === null) return {};
    const entries: [string, unknown, YamlPath][] = Array.isArray(labels)
      ? labels.flatMap((label, i) =>
          isPlainObject(label) && typeof label.key === 'string' ? [[label.key, label.value, [...path, i, 'key']] as [string, unknown, YamlPath]] : [],
        )
      : isPlainObject(labels)
        ? Object.entries(labels).map(([key, value]) => [key, value, [...path, key]] as [string, unknown, YamlPath])
        : [];
    const result: Record<string, string> = {};
    for (const [key, value, keyPath] of entries) {
      if (refuseSystemLabels && key.startsWith('system.') && key !== 'system.readOnly') {
        this.report(
          keyPath,
          `System labels can only be set by Kestra itself, offending label: ${key}=${String(value)}`,
          'choose a key that does not start with `system.`',
          !Array.isArray(labels),
        );
      }
      result[key] = String(value);
    }
    return result;
  }

  private compilePluginDefaults(items: unknown, path: YamlPath): PluginDefault[] {
    if (!Array.isArray(items)) return [];
    return items.flatMap((item, index): PluginDefault[] => {
      const entryPath = [...path, index];
      const parsed = pluginDefaultSchema.safeParse(item);
      if (!parsed.success) {
        this.reportZodIssues(entryPath, item, parsed.error.issues, pluginDefaultSchema);
        return [];
      }
      const { type, values } = parsed.data;
      const before = this.diagnostics.length;
      for (const [key, value] of Object.entries(values)) {
        if (value === null) this.report([...entryPath, 'values', key], `\`values.${key}\` must not be null`);
      }
      // An exact type (not a prefix) must only set properties that type has.
      const known = knownPropertiesOf(type);
      if (known) {
        for (const key of Object.keys(values)) {
          if (known.includes(key)) continue;
          const suggestion = closest(key, known);
          this.report(
            [...entryPath, 'values', key],
            `No property '${key}' exists in plugin '${type}'`,
            suggestion ? `did you mean '${suggestion}'?` : undefined,
            true,
          );
        }
      }
      // A refused entry is not applied: its mistake would otherwise be reported again on every task.
      return this.diagnostics.length === before ? [parsed.data] : [];
    });
  }

  /**
   * Kestra's pluginDefaults: entries whose `type` equals or prefixes the plugin's type; the plugin's own
   * values win over non-forced ones, forced ones win over everything. A prefix entry only sets the
   * properties the plugin has (`io.kestra.plugin.jdbc.postgresql` defaults serve Query and CopyIn alike).
   */
  private applyPluginDefaults(item: YamlMap, names: readonly string[], knownProperties: readonly string[]): YamlMap {
    let merged = item;
    const apply = (entry: PluginDefault, defaultsWin: boolean) => {
      const exact = names.includes(entry.type);
      const values = exact ? entry.values : Object.fromEntries(Object.entries(entry.values).filter(([key]) => knownProperties.includes(key)));
      merged = defaultsWin ? deepMerge(merged, values) : deepMerge(values, merged);
    };
    const matching = this.pluginDefaults.filter((d) => names.some((name) => name === d.type || name.startsWith(d.type)));
    for (const entry of matching.filter((d) => !d.forced)) apply(entry, false);
    for (const entry of matching.filter((d) => d.forced)) apply(entry, true);
    return merged;
  }

  private compileTriggers(items: unknown): TriggerSpec[] {
    if (!Array.isArray(items)) return [];
    return items.flatMap((item, index) => {
      const trigger = this.compileTrigger(item, ['triggers', index]);
      return trigger ? [trigger] : [];
    });
  }

  private compileTrigger(item: unknown, path: YamlPath): TriggerSpec | undefined {
    if (!isPlainObject(item)) return this.reportAndSkip(path, 'a trigger must be a mapping with at least `id` and `type`');
    if (typeof item.id === 'string') this.triggerIds.set(item.id, [...(this.triggerIds.get(item.id) ?? []), path]);
    if (!this.checkTypeName(item.type, knownTriggerTypeNames(), path, 'io.kestra.plugin.core.trigger.Schedule')) return undefined;
    const definition = findTriggerType(item.type as string) as TriggerDefinition;
    const schema = triggerSchemaFor(definition);
    const trigger = this.applyPluginDefaults(item, [item.type as string, definition.type, ...definition.aliases], Object.keys(schema.shape));
    const parsed = schema.safeParse(trigger);
    if (!parsed.success) return this.reportZodIssues(path, trigger, parsed.error.issues, schema);
    this.reportProblems(path, definition.validate?.(trigger) ?? []);
    const { id: _id, type: _type, ...properties } = trigger;
    this.checkExpressions(properties, path);

    const common = {
      id: trigger.id as string,
      description: trigger.description as string | undefined,
      disabled: trigger.disabled === true,
      labels: this.compileLabels(trigger.labels, [...path, 'labels'], false),
      conditions: (trigger.conditions as YamlMap[] | undefined) ?? [],
      ...(trigger.stopAfter ? { stopAfter: trigger.stopAfter as string[] } : {}),
      inputs: (trigger.inputs as YamlMap | undefined) ?? {},
      position: this.positionOf(path),
    };
    const optional = (key: string) => (trigger[key] !== undefined ? { [key]: trigger[key] } : {});
    switch (definition.kind) {
      case 'schedule':
        return {
          ...common,
          type: 'io.kestra.plugin.core.trigger.Schedule',
          cron: trigger.cron as string,
          withSeconds: trigger.withSeconds === true,
          ...optional('timezone'),
          ...optional('recoverMissedSchedules'),
          ...optional('lateMaximumDelay'),
        };
      case 'flow':
        return { ...common, type: 'io.kestra.plugin.core.trigger.Flow', ...optional('states'), ...optional('preconditions') };
      case 'webhook':
        this.checkWebhookKey(trigger.key as string, [...path, 'key']);
        return {
          ...common,
          type: 'io.kestra.plugin.core.trigger.Webhook',
          key: trigger.key as string,
          ...optional('wait'),
          ...optional('returnOutputs'),
        };
    }
  }

  /**
   * A webhook key is the webhook's only credential (its routes need no auth): short keys can be
   * guessed. A key written as an expression is only known once rendered, so it is not checked here.
   */
  private checkWebhookKey(key: string, path: YamlPath): void {
    if (key.includes('{{') || key.length >= MIN_WEBHOOK_KEY_LENGTH) return;
    this.report(
      path,
      `\`key\` must be at least ${MIN_WEBHOOK_KEY_LENGTH} characters long (it is the webhook's only credential), but has ${key.length}`,
      'use a random string, e.g. `openssl rand -hex 16`',
    );
  }

  /** Flow-level retry (task-level retry is part of the task's schema). */
  private compileRetry(value: unknown, path: YamlPath): RetrySpec | undefined {
    if (!isPlainObject(value)) return this.reportAndSkip(path, '`retry` must be a mapping with a `type`');
    if (!this.checkTypeName(value.type, RETRY_TYPES, path, 'constant')) return undefined;
    const parsed = retrySchema.safeParse(value);
    if (!parsed.success) return this.reportZodIssues(path, value, parsed.error.issues, retrySchema);
    this.checkRetryBounds(parsed.data, path);
    return normaliseRetry(parsed.data);
  }

  /** Kestra's retry rules: each interval below the next bound (`maxInterval`, `maxDuration`). */
  private checkRetryBounds(retry: RetryDocument, path: YamlPath): void {
    const durations = retry as unknown as Record<string, string | undefined>;
    const ms = (key: string) => (durations[key] === undefined ? undefined : parseDuration(durations[key]));
    const mustBeLess = (smaller: 'interval' | 'minInterval' | 'maxInterval', larger: 'maxInterval' | 'maxDuration') => {
      const small = ms(smaller);
      const large = ms(larger);
      if (small !== undefined && large !== undefined && small >= large) {
        this.report([...path, smaller], `'${smaller}' must be less than '${larger}' but is ${durations[smaller]}`);
      }
    };
    if (retry.type === 'random') {
      mustBeLess('minInterval', 'maxInterval');
      mustBeLess('minInterval', 'maxDuration');
      mustBeLess('maxInterval', 'maxDuration');
    } else {
      mustBeLess('interval', 'maxDuration');
      if (retry.type === 'exponential') mustBeLess('interval', 'maxInterval');
    }
  }

  private compileSla(items: unknown): SlaSpec[] {
    if (!Array.isArray(items)) return [];
    const seen = new Set<string>();
    return items.flatMap((item, index): SlaSpec[] => {
      const path = ['sla', index];
      if (!isPlainObject(item)) return this.reportAndSkip(path, 'an SLA must be a mapping with `id` and `type`') ?? [];
      if (!this.checkTypeName(item.type, SLA_TYPES, path, 'MAX_DURATION')) return [];
      const parsed = slaSchema.safeParse(item);
      if (!parsed.success) return this.reportZodIssues(path, item, parsed.error.issues, slaSchema) ?? [];
      const sla = parsed.data;
      if (seen.has(sla.id)) this.report([...path, 'id'], `Duplicate SLA id with name [${sla.id}]`);
      seen.add(sla.id);
      if (sla.type === 'EXECUTION_ASSERTION') this.checkExpressions(sla.assert, [...path, 'assert']);
      return [
        {
          id: sla.id,
          type: sla.type,
          behavior: sla.behavior ?? 'FAIL',
          labels: this.compileLabels(sla.labels, [...path, 'labels'], false),
          ...(sla.type === 'MAX_DURATION' ? { duration: sla.duration } : { assert: sla.assert }),
        },
      ];
    });
  }

  private compileChecks(items: unknown): CheckSpec[] {
    if (!Array.isArray(items)) return [];
    return items.flatMap((item, index): CheckSpec[] => {
      const path = ['checks', index];
      const parsed = checkSchema.safeParse(item);
      if (!parsed.success) return this.reportZodIssues(path, item, parsed.error.issues, checkSchema) ?? [];
      this.checkExpressions(parsed.data.condition, [...path, 'condition']);
      this.checkExpressions(parsed.data.message, [...path, 'message']);
      const { condition, message, style, behavior } = parsed.data;
      return [{ condition, message, style: style ?? 'INFO', behavior: behavior ?? 'BLOCK_EXECUTION', position: this.positionOf(path) }];
    });
  }

  /** Deprecated `listeners`: not run, but their task ids count for uniqueness, as in Kestra. */
  private compileListeners(listeners: unknown): void {
    if (!Array.isArray(listeners)) return;
    listeners.forEach((listener, index) => {
      if (isPlainObject(listener)) this.compileTaskList(listener.tasks, ['listeners', index, 'tasks']);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Tasks

  private compileTaskList(items: unknown, path: YamlPath): TaskSpec[] {
    if (!Array.isArray(items)) return [];
    return items.flatMap((item, index) => {
      const task = this.compileTask(item, [...path, index]);
      return task ? [task] : [];
    });
  }

  private compileTask(item: unknown, path: YamlPath): TaskSpec | undefined {
    if (!isPlainObject(item)) return this.reportAndSkip(path, 'a task must be a mapping with at least `id` and `type`');
    if (typeof item.id === 'string') this.taskIds.set(item.id, [...(this.taskIds.get(item.id) ?? []), path]);
    if (!this.checkTypeName(item.type, knownTypeNames(), path, 'io.kestra.plugin.core.log.Log')) return undefined;
    const definition = findTaskType(item.type as string) as TaskDefinition;
    const schema = schemaFor(definition);
    const task = this.applyPluginDefaults(item, [item.type as string, definition.type, ...(definition.aliases ?? [])], Object.keys(schema.shape));
    const parsed = schema.safeParse(task);
    if (!parsed.success) this.reportZodIssues(path, task, parsed.error.issues, schema);
    else {
      const rules = definition.validate ?? FLOWABLE_RULES[definition.type];
      this.reportProblems(path, rules?.(task) ?? []);
      const retry = (parsed.data as { retry?: RetryDocument }).retry;
      if (retry) this.checkRetryBounds(retry, [...path, 'retry']);
    }

    const childLists = definition.kind === 'flowable' ? definition.childLists : [];
    const children: Record<string, TaskSpec[]> = {};
    let layoutProperties: YamlMap = {};
    if (definition.kind === 'flowable') {
      // Child lists are compiled as tasks; `locateChildren` places them when they are not plain lists (Switch, Dag).
      for (const key of childLists) children[key] = [];
      const layout = definition.locateChildren?.(task) ?? defaultChildrenLayout(childLists, task);
      for (const { list, path: childPath } of layout.children) {
        const child = this.compileTask(valueAt(task, childPath), [...path, ...childPath]);
        children[list] ??= [];
        if (child) children[list].push(child);
      }
      layoutProperties = layout.properties ?? {};
      if (definition.onlyRunnableChildren && Object.values(children).some((list) => list.some((child) => child.kind !== 'runnable'))) {
        this.report(
          path,
          `Only runnable tasks are allowed as children of a ${definition.type.split('.').pop()} task`,
          'flowable tasks and Labels/OutputValues cannot run in a shared working directory',
        );
      }
    }
    const errors = definition.kind === 'flowable' ? this.compileTaskList(task.errors, [...path, 'errors']) : [];

    const properties: YamlMap = {};
    for (const [key, value] of Object.entries(task)) {
      if (!(key in commonTaskShape) && !childLists.includes(key) && !FLOWABLE_ERROR_LISTS.includes(key)) properties[key] = value;
    }
    Object.assign(properties, layoutProperties);
    this.checkExpressions(properties, path);
    if (typeof task.runIf === 'string') this.checkExpressions(task.runIf, [...path, 'runIf']);
    if (!parsed.success) return undefined;

    const common = parsed.data as z.output<z.ZodObject<typeof commonTaskShape>>;
    return {
      id: common.id,
      type: definition.type,
      kind: definition.kind,
      properties,
      ...(definition.kind === 'flowable' ? { children } : {}),
      ...(errors.length > 0 ? { errors } : {}),
      description: common.description,
      disabled: common.disabled,
      allowFailure: common.allowFailure,
      allowWarning: common.allowWarning,
      runIf: common.runIf === undefined ? undefined : String(common.runIf),
      timeout: common.timeout,
      retry: common.retry ? normaliseRetry(common.retry) : undefined,
      logLevel: common.logLevel,
      position: this.positionOf(path),
    };
  }

  private checkDuplicateIds(ids: Map<string, YamlPath[]>, kind: 'task' | 'trigger', hint: string): void {
    const duplicates = [...ids.entries()].filter(([, paths]) => paths.length > 1);
    if (duplicates.length === 0) return;
    const names = duplicates.map(([id]) => id).join(', ');
    for (const [, paths] of duplicates) {
      for (const path of paths.slice(1)) this.report([...path, 'id'], `Duplicate ${kind} id with name [${names}]`, hint);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Shared checks and reporting

  /**
   * A `type` must be one of `known`: missing ⇒ Kestra's "missing type id property 'type'", unknown ⇒
   * "Invalid type: X" with a did-you-mean. True when the type is known.
   */
  private checkTypeName(type: unknown, known: readonly string[], path: YamlPath, example?: string): boolean {
    if (type === undefined || type === null) {
      this.report(path, "missing type id property 'type'", example ? `add a \`type\`, e.g. ${example}` : undefined);
      return false;
    }
    if (typeof type === 'string' && known.includes(type)) return true;
    const suggestion = suggestName(String(type), known);
    const hint = suggestion
      ? `did you mean ${suggestion}?`
      : known.length <= 20
        ? `one of ${known.join(', ')}`
        : 'run `tflow schema` to see the types tflow knows';
    const plugin = unknownPluginTypeMessage(type, known); // src/compiler/unknown-type-message.ts
    this.report(
      path.length > 0 && isPlainObject(this.valueAt(path)) ? [...path, 'type'] : path,
      plugin?.message ?? `Invalid type: ${String(type)}`,
      plugin?.hint ?? hint,
    );
    return false;
  }

  /** Reports expressions that do not parse, wherever a string appears in a value. */
  private checkExpressions(value: unknown, path: YamlPath): void {
    if (typeof value === 'string') {
      for (const problem of checkTemplate(value)) this.report(path, problem.message);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => this.checkExpressions(item, [...path, index]));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) this.checkExpressions(item, [...path, key]);
    }
  }

  private reportProblems(base: YamlPath, problems: readonly PropertyProblem[]): void {
    for (const problem of problems) this.report([...base, ...problem.path], problem.message, problem.hint);
  }

  /** Reports zod issues in Kestra's words. Returns undefined, so callers can `return this.report…`. */
  private reportZodIssues(base: YamlPath, value: unknown, issues: readonly z.core.$ZodIssue[], schema: z.ZodType): undefined {
    for (const issue of issues) {
      const relative = issue.path as YamlPath;
      const path = [...base, ...relative];
      const name = formatPath(relative) || 'flow';
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeysAt(schema, value, relative);
        for (const key of issue.keys) {
          const suggestion = closest(key, known);
          this.report([...path, key], `Unrecognized field "${key}"`, suggestion ? `did you mean '${suggestion}'?` : undefined, true);
        }
        continue;
      }
      // Values that are expressions are checked when the task runs, once rendered.
      if (isTemplate(valueAt(value, relative))) continue;
      if (issue.code === 'invalid_union' && issue.discriminator) {
        const given = valueAt(value, relative);
        const options = (issue as { options?: unknown[] }).options?.map(String) ?? [];
        if (given === undefined) this.report(path.slice(0, -1), `missing type id property '${issue.discriminator}'`, `one of ${options.join(', ')}`);
        else
          this.report(
            path,
            `Invalid type: ${String(given)}`,
            suggestName(String(given), options) ? `did you mean ${suggestName(String(given), options)}?` : `one of ${options.join(', ')}`,
          );
        continue;
      }
      if (valueAt(value, relative) === undefined) {
        this.report(path, `\`${name}\` is required`);
        continue;
      }
      if (issue.code === 'invalid_value') {
        const options = issue.values.map(String);
        const suggestion = closest(String(valueAt(value, relative)), options);
        this.report(path, `\`${name}\` must be one of ${options.join(', ')}`, suggestion ? `did you mean ${suggestion}?` : undefined);
        continue;
      }
      this.report(path, `\`${name}\` ${describeIssue(issue, valueAt(value, relative))}`);
    }
    return undefined;
  }

  private report(path: YamlPath, message: string, hint?: string, atKey = false): void {
    const { line, col } = this.positionOf(path, atKey);
    this.diagnostics.push({ file: this.file, line, col, path: formatPath(path), message, ...(hint ? { hint } : {}) });
  }

  private reportAndSkip(path: YamlPath, message: string, hint?: string): undefined {
    this.report(path, message, hint);
    return undefined;
  }

  /** The node's value in the document (for deciding where to point). */
  private valueAt(path: YamlPath): unknown {
    return this.doc.getIn(path);
  }

  /** line:col of the deepest existing node on `path` (the key itself when `atKey`). */
  private positionOf(path: YamlPath, atKey = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
        if (!pair) break;
        const keyNode = pair.key as Node;
        if (atKey && segment === path[path.length - 1]) {
          offset = keyNode.range?.[0] ?? offset;
          break;
        }
        node = pair.value;
        offset = (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? offset;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
        node = node.items[segment];
        offset = (node as Node).range?.[0] ?? offset;
      } else {
        break;
      }
    }
    return this.lines.linePos(offset);
  }

  private keyAt(offset: number): string {
    return (
      /^[^:\n]*/
        .exec(this.source.slice(offset))?.[0]
        .trim()
        .replace(/^["']|["']$/g, '') ?? ''
    );
  }
}

const schemaCache = new Map<TaskDefinition, z.ZodObject>();
/** A task type's full schema: its own properties plus the common ones, unknown keys refused. */
export function schemaFor(definition: TaskDefinition): z.ZodObject {
  let schema = schemaCache.get(definition);
  if (!schema) {
    const extra = definition.kind === 'flowable' ? { errors: z.array(z.unknown()).optional() } : {};
    schema = definition.properties.extend({ ...commonTaskShape, ...extra }).strict();
    schemaCache.set(definition, schema);
  }
  return schema;
}

/** Property names of an exact task or trigger type, or undefined when `type` names none (a prefix). */
function knownPropertiesOf(type: string): string[] | undefined {
  const task = findTaskType(type);
  if (task) return Object.keys(schemaFor(task).shape);
  const trigger = findTriggerType(type);
  if (trigger) return Object.keys(triggerSchemaFor(trigger).shape);
  return undefined;
}

/** A did-you-mean for a type name: the closest spelling, else the known type with the same simple name. */
function suggestName(name: string, known: readonly string[]): string | undefined {
  const simpleName = (n: string) => n.slice(n.lastIndexOf('.') + 1).toLowerCase();
  return closest(name, known) ?? known.find((k) => k.includes('.') && simpleName(k) === simpleName(name));
}

/** The keys a (possibly nested) zod object schema accepts at `path`, for did-you-mean hints. */
function knownKeysAt(schema: z.ZodType, value: unknown, path: YamlPath): string[] {
  let current: z.ZodType | undefined = schema;
  let currentValue = value;
  for (const segment of [...path, undefined]) {
    current = unwrap(current, currentValue);
    if (segment === undefined || !current) break;
    const def = (current as z.ZodType)._zod.def as { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType };
    current = def.type === 'object' ? def.shape?.[segment] : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined;
    currentValue = valueAt(currentValue, [segment]);
  }
  return current && current._zod.def.type === 'object' ? Object.keys((current as z.ZodObject).shape) : [];
}

/** Looks through optional/default/lazy wrappers, and picks a discriminated union's option by value. */
function unwrap(schema: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 10; depth++) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType; getter?: () => z.ZodType; options?: z.ZodType[]; discriminator?: string };
    if (def.innerType) current = def.innerType;
    else if (def.type === 'lazy' && def.getter) current = def.getter();
    else if (def.type === 'union' && def.options) {
      const discriminator = def.discriminator;
      current =
        def.options.find(
          (option) =>
            discriminator &&
            option._zod.def.type === 'object' &&
            (option as z.ZodObject).shape[discriminator]?.safeParse(valueAt(value, [discriminator])).success,
        ) ?? def.options.find((option) => option._zod.def.type === 'object');
      if (!current || discriminator === undefined) return current;
    } else return current;
  }
  return current;
}

/** The end of a sentence starting with the property's name, in Jakarta Validation's words where it has them. */
function describeIssue(issue: z.core.$ZodIssue, given: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected === 'object' ? 'mapping' : issue.expected}, but is \`${typeof given === 'string' ? given : JSON.stringify(given)}\``;
    case 'too_small':
      if (issue.origin === 'array' && Number(issue.minimum) === 1) return 'must not be empty';
      if (issue.origin === 'number') return `must be greater than or equal to ${issue.minimum}`;
      return `size must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'number') return `must be less than or equal to ${issue.maximum}`;
      return `size must be at most ${issue.maximum}`;
    case 'invalid_format':
      // Our schemas word their own pattern messages ('must match "…" (…)'); zod's are generic.
      return issue.message.startsWith('Invalid') ? `must match "${(issue as { pattern?: string }).pattern}"` : issue.message;
    default:
      return issue.message.replace(/^Invalid input$/, 'is not valid');
  }
}

function normaliseRetry(retry: RetryDocument): RetrySpec {
  const { maxAttempt, behavior: _behavior, ...rest } = retry;
  return { ...rest, maxAttempts: retry.maxAttempts ?? maxAttempt };
}

function deepMerge(base: YamlMap, override: YamlMap): YamlMap {
  const result: YamlMap = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}

function isPlainObject(value: unknown): value is YamlMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Task `i` of child list property `name` goes to the child list `name`. */
function defaultChildrenLayout(childLists: readonly string[], task: YamlMap): ChildrenLayout {
  return { children: childLists.flatMap((list) => (Array.isArray(task[list]) ? task[list].map((_, i) => ({ list, path: [list, i] })) : [])) };
}

function valueAt(value: unknown, path: YamlPath): unknown {
  let node = value;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function isTemplate(value: unknown): boolean {
  return typeof value === 'string' && (value.includes('{{') || value.includes('{%'));
}

function firstLine(text: string): string {
  return text.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each property may appear once in a mapping';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: YAML nests by spaces, and tabs are not allowed';
    case 'TAB_AS_INDENT':
      return 'replace the tab with spaces';
    default:
      return undefined;
  }
}
