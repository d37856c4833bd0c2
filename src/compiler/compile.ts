/**
 * The flow compiler: YAML text → a validated FlowSpec, or every problem found, each with its
 * `file:line:col`, YAML path and a hint. Runs outside the workflow (CLI, API, worker), never inside.
 *
 * The rules are Kestra's (flow properties, inputs, task properties, triggers; where tflow differs:
 * docs/kestra-compatibility.md), with its error texts
 * where it has one. Schemas live in src/workflow/flow/schema.ts (flow, retry…),
 * src/workflow/flow/inputs.ts, ./triggers.ts and the task registry. This file walks the flow's
 * top-level properties; each part has its module (./inputs.ts, ./tasks.ts, ./trigger-specs.ts,
 * ./plugin-defaults.ts, ./flow-properties.ts), which checks what schemas cannot say (unique ids,
 * references, cycles, cron, regexes, expressions) and reports through the document (./flow-source.ts).
 * Deprecated Kestra types and forms are accepted with warnings, not diagnostics (./deprecated-types.ts).
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { flowSchema } from '../workflow/flow/schema';
import { FLOW_SPEC_VERSION, type ConcurrencySpec, type FlowSpec } from '../workflow/flow/spec';
import type { Diagnostic } from './diagnostics';
import { compileChecks, compileLabels, compileRetry, compileSla } from './flow-properties';
import { FlowSource, MAX_ALIAS_COUNT } from './flow-source';
import { compileInputs, compileOutputs } from './inputs';
import { compilePluginDefaults } from './plugin-defaults';
import { TaskCompiler } from './tasks';
import { compileTriggers } from './trigger-specs';
import { isPlainObject, withoutEmptyProperties, type YamlPath } from './yaml-values';

export interface CompileResult {
  /** Present only when there is no diagnostic. */
  spec?: FlowSpec;
  diagnostics: Diagnostic[];
  /** Accepted, but deprecated (src/compiler/deprecated-types.ts): `tflow validate` prints them, the API answers them. */
  warnings?: Diagnostic[];
}

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
    return compileDocument(new FlowSource(source, file));
  } catch (error) {
    // Hostile or pathological documents (an alias bomb, nesting deeper than the stack) are a
    // problem of the flow, reported like any other, never a crash of whoever compiles it.
    const message = unmanageableDocumentMessage(error);
    if (message === undefined) throw error;
    return { diagnostics: [{ file, line: 1, col: 1, path: '', message }] };
  }
}

function unmanageableDocumentMessage(error: unknown): string | undefined {
  if (error instanceof ReferenceError && /alias/i.test(error.message)) {
    return `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} aliased nodes): the document looks like an alias bomb (${error.message})`;
  }
  if (error instanceof RangeError) return `the flow is nested too deeply to compile (${error.message})`;
  return undefined;
}

function compileDocument(source: FlowSource): CompileResult {
  if (!source.reportYamlErrors()) return { diagnostics: source.diagnostics };

  const document = source.toJS();
  if (!isPlainObject(document)) {
    source.report([], 'a flow must be a YAML mapping with at least `id`, `namespace` and `tasks`');
    return { diagnostics: source.diagnostics };
  }
  const raw = withoutEmptyProperties(document);
  const parsed = flowSchema.safeParse(raw);
  if (!parsed.success) source.reportZodIssues([], raw, parsed.error.issues, flowSchema);
  const flow = raw as Partial<Record<keyof z.output<typeof flowSchema>, unknown>>;

  const pluginDefaults = [
    ...compilePluginDefaults(source, flow.pluginDefaults, ['pluginDefaults']),
    ...compilePluginDefaults(source, flow.taskDefaults, ['taskDefaults']),
  ];
  const flowRef = typeof flow.namespace === 'string' && typeof flow.id === 'string' ? { namespace: flow.namespace, id: flow.id } : undefined;
  const taskCompiler = new TaskCompiler(source, pluginDefaults, flowRef);
  const triggerIds = new Map<string, YamlPath[]>();
  const inputs = compileInputs(source, flow.inputs);
  const tasks = taskCompiler.compileTaskList(flow.tasks, ['tasks']);
  const errors = taskCompiler.compileTaskList(flow.errors, ['errors']);
  const finallyTasks = taskCompiler.compileTaskList(flow.finally, ['finally']);
  const afterExecution = taskCompiler.compileTaskList(flow.afterExecution, ['afterExecution']);
  taskCompiler.compileListeners(flow.listeners);
  const outputs = compileOutputs(source, flow.outputs);
  const labels = compileLabels(source, flow.labels, ['labels'], true);
  const triggers = compileTriggers(source, flow.triggers, triggerIds, pluginDefaults);
  const retry = flow.retry === undefined ? undefined : compileRetry(source, flow.retry, ['retry']);
  const sla = compileSla(source, flow.sla);
  const checks = compileChecks(source, flow.checks);
  if (isPlainObject(flow.variables)) source.checkExpressions(flow.variables, ['variables']);
  checkDuplicateIds(source, taskCompiler.ids, 'task', 'task ids must be unique across the whole flow, errors and finally included');
  checkDuplicateIds(source, triggerIds, 'trigger', 'trigger ids must be unique in the flow');

  // In reading order, whichever part of the compiler found them.
  const diagnostics = source.diagnostics;
  diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
  const warnings = source.warnings.sort((a, b) => a.line - b.line || a.col - b.col);
  if (diagnostics.length > 0 || !parsed.success) return { diagnostics, warnings };
  const concurrency: ConcurrencySpec | undefined = parsed.data.concurrency
    ? { limit: parsed.data.concurrency.limit, behavior: parsed.data.concurrency.behavior ?? 'QUEUE' }
    : undefined;
  const spec: FlowSpec = {
    specVersion: FLOW_SPEC_VERSION,
    id: parsed.data.id,
    namespace: parsed.data.namespace,
    revision: parsed.data.revision ?? 1,
    description: parsed.data.description,
    source: source.file,
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
  };
  return { spec, diagnostics: [], warnings };
}

function checkDuplicateIds(source: FlowSource, ids: Map<string, YamlPath[]>, kind: 'task' | 'trigger', hint: string): void {
  const duplicates = [...ids.entries()].filter(([, paths]) => paths.length > 1);
  if (duplicates.length === 0) return;
  const names = duplicates.map(([id]) => id).join(', ');
  for (const [, paths] of duplicates) {
    for (const path of paths.slice(1)) source.report([...path, 'id'], `Duplicate ${kind} id with name [${names}]`, hint);
  }
}
