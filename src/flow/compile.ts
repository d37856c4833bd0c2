/**
 * The flow compiler: YAML text → a validated FlowSpec, or every problem found, each with its
 * `file:line:col`, YAML path and a hint. Runs outside the workflow (CLI, API, worker), never inside.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { checkTemplate } from '../interpreter/expression';
import { findTaskType, knownTypeNames } from '../tasks/registry';
import type { TaskDefinition } from '../tasks/task-definition';
import { closest, type Diagnostic, formatPath } from './diagnostics';
import {
  commonTaskShape,
  flowSchema,
  type FlowDocument,
  INPUT_TYPES,
  inputSchema,
  outputSchema,
  type PluginDefault,
} from './schema';
import { FLOW_SPEC_VERSION, type FlowSpec, type InputSpec, type InputType, type OutputSpec, type RetrySpec, type TaskSpec } from './spec';

export interface CompileResult {
  /** Present only when there is no diagnostic. */
  spec?: FlowSpec;
  diagnostics: Diagnostic[];
}

type YamlPath = (string | number)[];

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
  return new FlowCompiler(source, file).compile();
}

/** Properties of a flowable task that hold error handlers, compiled as tasks. */
const FLOWABLE_ERROR_LISTS = ['errors'];

class FlowCompiler {
  private readonly lines = new LineCounter();
  private readonly doc: Document;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly taskIds = new Map<string, YamlPath[]>();
  private pluginDefaults: PluginDefault[] = [];

  constructor(
    private readonly source: string,
    private readonly file: string,
  ) {
    this.doc = parseDocument(source, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: true });
  }

  compile(): CompileResult {
    const seenLines = new Set<number>();
    for (const error of this.doc.errors) {
      const [start] = error.linePos ?? [this.lines.linePos(error.pos[0])];
      // One mistake often derails the parser for the rest of its line: report the first.
      if (seenLines.has(start.line)) continue;
      seenLines.add(start.line);
      const message = error.code === 'DUPLICATE_KEY' ? `Duplicate field '${this.keyAt(error.pos[0])}'` : firstLine(error.message);
      this.diagnostics.push({ file: this.file, line: start.line, col: start.col, path: '', message, hint: yamlHint(error.code) });
    }
    if (this.diagnostics.length > 0) return { diagnostics: this.diagnostics };

    const raw = this.doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.report([], 'a flow must be a YAML mapping with at least `id`, `namespace` and `tasks`');
      return { diagnostics: this.diagnostics };
    }
    const parsed = flowSchema.safeParse(raw);
    if (!parsed.success) this.reportZodIssues([], raw, parsed.error.issues, flowSchema);
    const flow = raw as Partial<FlowDocument>;

    this.pluginDefaults = [...(flow.pluginDefaults ?? []), ...(flow.taskDefaults ?? [])].filter(
      (d) => d && typeof d.type === 'string' && d.values && typeof d.values === 'object',
    );
    const inputs = Array.isArray(flow.inputs) ? this.compileInputs(flow.inputs) : [];
    const tasks = this.compileTaskList(flow.tasks, ['tasks']);
    const errors = this.compileTaskList(flow.errors, ['errors']);
    const finallyTasks = this.compileTaskList(flow.finally, ['finally']);
    this.compileTaskList(flow.afterExecution, ['afterExecution']);
    const outputs = Array.isArray(flow.outputs) ? this.compileOutputs(flow.outputs) : [];
    const labels = this.compileLabels(flow.labels);
    this.checkDuplicateTaskIds();

    if (this.diagnostics.length > 0 || !parsed.success) return { diagnostics: this.diagnostics };
    const ignored = (['triggers', 'concurrency', 'sla', 'checks', 'afterExecution'] as const).filter((k) => flow[k] !== undefined);
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
      retry: normaliseRetry(parsed.data.retry),
      ...(ignored.length > 0 ? { ignored } : {}),
    };
    return { spec, diagnostics: [] };
  }

  private compileInputs(items: unknown[]): InputSpec[] {
    const seen = new Set<string>();
    const inputs: InputSpec[] = [];
    items.forEach((item, index) => {
      const path = ['inputs', index];
      const parsed = inputSchema.safeParse(item);
      if (!parsed.success) {
        this.reportZodIssues(path, item, parsed.error.issues, inputSchema);
        return;
      }
      const input = parsed.data;
      const id = input.id ?? input.name;
      if (!id) return this.report(path, 'an input needs an `id`');
      if (seen.has(id)) this.report([...path, 'id'], `Duplicate input with name [${id}]`);
      seen.add(id);
      if (!(INPUT_TYPES as readonly string[]).includes(input.type)) {
        const suggestion = closest(input.type, INPUT_TYPES);
        return this.report([...path, 'type'], `Invalid type: ${input.type}`, suggestion ? `did you mean ${suggestion}?` : `one of ${INPUT_TYPES.join(', ')}`);
      }
      if (input.itemType === 'ARRAY') this.report([...path, 'itemType'], '`itemType` cannot be `ARRAY`');
      if (input.validator !== undefined) {
        try {
          new RegExp(input.validator);
        } catch {
          this.report([...path, 'validator'], `invalid pattern [${input.validator}]`);
        }
      }
      inputs.push({
        id,
        type: input.type as InputType,
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
        position: this.positionOf(path),
      });
    });
    return inputs;
  }

  private compileOutputs(items: unknown[]): OutputSpec[] {
    const outputs: OutputSpec[] = [];
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const path = ['outputs', index];
      const parsed = outputSchema.safeParse(item);
      if (!parsed.success) return this.reportZodIssues(path, item, parsed.error.issues, outputSchema);
      if (seen.has(parsed.data.id)) this.report([...path, 'id'], `Duplicate output with name [${parsed.data.id}]`);
      seen.add(parsed.data.id);
      if (!(INPUT_TYPES as readonly string[]).includes(parsed.data.type)) {
        return this.report([...path, 'type'], `Invalid type: ${parsed.data.type}`);
      }
      this.checkExpressions(parsed.data.value, [...path, 'value']);
      outputs.push({ id: parsed.data.id, type: parsed.data.type as InputType, value: parsed.data.value, description: parsed.data.description });
    });
    return outputs;
  }

  private compileLabels(labels: FlowDocument['labels']): Record<string, string> {
    if (!labels) return {};
    const entries: [string, unknown][] = Array.isArray(labels) ? labels.map((l) => [l?.key, l?.value]) : Object.entries(labels);
    const result: Record<string, string> = {};
    for (const [key, value] of entries) {
      if (typeof key !== 'string') continue;
      if (key.startsWith('system.') && key !== 'system.readOnly') {
        this.report(['labels'], `System labels can only be set by Kestra itself, offending label: ${key}=${String(value)}`);
      }
      result[key] = String(value);
    }
    return result;
  }

  private compileTaskList(items: unknown, path: YamlPath): TaskSpec[] {
    if (!Array.isArray(items)) return [];
    return items.flatMap((item, index) => {
      const task = this.compileTask(item, [...path, index]);
      return task ? [task] : [];
    });
  }

  private compileTask(item: unknown, path: YamlPath): TaskSpec | undefined {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      this.report(path, 'a task must be a mapping with at least `id` and `type`');
      return undefined;
    }
    const declared = item as Record<string, unknown>;
    if (typeof declared.id === 'string') {
      this.taskIds.set(declared.id, [...(this.taskIds.get(declared.id) ?? []), path]);
    }
    if (typeof declared.type !== 'string') {
      this.report(path, "missing type id property 'type'", 'every task needs a `type`, e.g. io.kestra.plugin.core.log.Log');
      return undefined;
    }
    const definition = findTaskType(declared.type);
    if (!definition) {
      const suggestion = closest(declared.type, knownTypeNames());
      this.report([...path, 'type'], `Invalid type: ${declared.type}`, suggestion ? `did you mean ${suggestion}?` : 'run `tflow schema` to list the task types tflow knows');
      return undefined;
    }
    const task = this.applyPluginDefaults(declared, definition);
    const schema = schemaFor(definition);
    const parsed = schema.safeParse(task);
    if (!parsed.success) this.reportZodIssues(path, task, parsed.error.issues, schema);

    const childKeys = definition.kind === 'flowable' ? [...definition.childLists, ...FLOWABLE_ERROR_LISTS] : [];
    const children: Record<string, TaskSpec[]> = {};
    for (const key of definition.kind === 'flowable' ? definition.childLists : []) {
      children[key] = this.compileTaskList(task[key], [...path, key]);
    }
    const errors = definition.kind === 'flowable' ? this.compileTaskList(task.errors, [...path, 'errors']) : [];

    const properties: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(task)) {
      if (!(key in commonTaskShape) && !childKeys.includes(key)) properties[key] = value;
    }
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
      retry: normaliseRetry(common.retry),
      logLevel: common.logLevel,
      position: this.positionOf(path),
    };
  }

  /** Kestra's pluginDefaults: entries whose `type` equals or prefixes the task's type; `forced` ones win. */
  private applyPluginDefaults(task: Record<string, unknown>, definition: TaskDefinition): Record<string, unknown> {
    const names = [task.type as string, definition.type, ...(definition.aliases ?? [])];
    const matching = this.pluginDefaults.filter((d) => names.some((name) => name === d.type || name.startsWith(d.type)));
    let merged = task;
    for (const d of matching.filter((d) => !d.forced)) merged = deepMerge(d.values, merged);
    for (const d of matching.filter((d) => d.forced)) merged = deepMerge(merged, d.values);
    return merged;
  }

  private checkDuplicateTaskIds(): void {
    const duplicates = [...this.taskIds.entries()].filter(([, paths]) => paths.length > 1);
    if (duplicates.length === 0) return;
    const names = duplicates.map(([id]) => id).join(', ');
    for (const [, paths] of duplicates) {
      for (const path of paths.slice(1)) this.report([...path, 'id'], `Duplicate task id with name [${names}]`, 'task ids must be unique across the whole flow, errors and finally included');
    }
  }

  /** Reports expressions that do not parse, wherever a string appears in a value. */
  private checkExpressions(value: unknown, path: YamlPath): void {
    if (typeof value === 'string') {
      for (const problem of checkTemplate(value)) this.report(path, problem.message);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => this.checkExpressions(item, [...path, index]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) this.checkExpressions(item, [...path, key]);
    }
  }

  private reportZodIssues(base: YamlPath, value: unknown, issues: readonly z.core.$ZodIssue[], schema?: z.ZodObject): void {
    for (const issue of issues) {
      const path = [...base, ...(issue.path as YamlPath)];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const known = issue.path.length === 0 && schema ? Object.keys(schema.shape) : [];
          const suggestion = closest(key, known);
          this.report([...path, key], `Unrecognized field "${key}"`, suggestion ? `did you mean '${suggestion}'?` : undefined, true);
        }
        continue;
      }
      // Values that are expressions are checked when the task runs, once rendered.
      if (isTemplateAt(value, issue.path as YamlPath)) continue;
      const missing = valueAt(value, issue.path as YamlPath) === undefined;
      const name = formatPath(issue.path as YamlPath) || 'flow';
      this.report(path, missing ? `\`${name}\` is required` : `\`${name}\`: ${issue.message}`);
    }
  }

  private report(path: YamlPath, message: string, hint?: string, atKey = false): void {
    const { line, col } = this.positionOf(path, atKey);
    this.diagnostics.push({ file: this.file, line, col, path: formatPath(path), message, ...(hint ? { hint } : {}) });
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
    return /^[^:\n]*/.exec(this.source.slice(offset))?.[0].trim().replace(/^["']|["']$/g, '') ?? '';
  }
}

const schemaCache = new Map<TaskDefinition, z.ZodObject>();
function schemaFor(definition: TaskDefinition): z.ZodObject {
  let schema = schemaCache.get(definition);
  if (!schema) {
    const extra = definition.kind === 'flowable' ? { errors: z.array(z.unknown()).optional() } : {};
    schema = definition.properties.extend({ ...commonTaskShape, ...extra }).strict();
    schemaCache.set(definition, schema);
  }
  return schema;
}

function normaliseRetry(retry: z.output<typeof flowSchema>['retry']): RetrySpec | undefined {
  if (!retry) return undefined;
  const { maxAttempt, behavior: _behavior, ...rest } = retry;
  return { ...rest, maxAttempts: retry.maxAttempts ?? maxAttempt };
}

function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] =
      isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function valueAt(value: unknown, path: YamlPath): unknown {
  let node = value;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function isTemplateAt(value: unknown, path: YamlPath): boolean {
  const node = valueAt(value, path);
  return typeof node === 'string' && (node.includes('{{') || node.includes('{%'));
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
