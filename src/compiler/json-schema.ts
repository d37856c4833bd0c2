/**
 * The JSON Schema for flow files (draft-07), generated from the same zod schemas the compiler uses:
 * editors (VS Code's YAML extension) complete and check flows with it. Tasks and triggers are a
 * `oneOf` whose branches each pin `type` with a `const`, as Kestra's own schema does.
 *
 * `tflow schema` prints it; `schema/flow.schema.json` is a committed copy, checked by a test.
 */
import { z } from 'zod';
import { flowTaskTypes } from '../plugins/registry';
import type { TaskDefinition } from '../workflow/plugins/task-definition';
import {
  checkSchema,
  commonTaskShape,
  flowSchema,
  isoDuration,
  labelsSchema,
  outputSchema,
  pluginDefaultSchema,
  retrySchema,
  slaSchema,
} from '../workflow/flow/schema';
import { inputSchema } from '../workflow/flow/inputs';
import { MAPPED_TASK_TYPES, type MappedTaskType } from './deprecated-types';
import { TRIGGER_TYPES, triggerSchemaFor } from './triggers';

/** Where the committed copy lives, relative to the project root. */
export const FLOW_SCHEMA_PATH = 'schema/flow.schema.json';

// Schemas used in many places become named definitions (`#/definitions/Retry`) instead of copies.
for (const [schema, id] of [
  [retrySchema, 'Retry'],
  [inputSchema(), 'Input'],
  [isoDuration, 'Duration'],
  [labelsSchema, 'Labels'],
] as const) {
  z.globalRegistry.add(schema as z.ZodType, { ...z.globalRegistry.get(schema as z.ZodType), id });
}

/** An expression, accepted wherever the compiler accepts one: it is checked once rendered. */
const templateString = z
  .string()
  .regex(/\{\{|\{%/)
  .describe('A Pebble expression, rendered when the task runs.');

export function flowJsonSchema(): Record<string, unknown> {
  const task: z.ZodType = z.lazy(() => taskUnion);
  const taskUnion = z
    .discriminatedUnion(
      'type',
      [...flowTaskTypes(), ...MAPPED_TASK_TYPES].flatMap((definition) => taskBranches(definition, task)) as unknown as [
        z.ZodObject,
        ...z.ZodObject[],
      ],
    )
    .meta({ id: 'Task', description: 'A task, chosen by its `type`.' });
  const triggerUnion = z
    .discriminatedUnion(
      'type',
      TRIGGER_TYPES.flatMap((definition) =>
        [definition.type, ...definition.aliases].map((name) =>
          triggerSchemaFor(definition)
            .extend({ type: z.literal(name) })
            .meta(describe(name === definition.type ? definition.title : `Legacy name of ${definition.type}. ${definition.title}`)),
        ),
      ) as unknown as [z.ZodObject, ...z.ZodObject[]],
    )
    .meta({ id: 'Trigger' });
  const tasks = z.array(task);
  const document = flowSchema
    .extend({
      tasks: tasks.min(1).describe('The tasks, run one after the other.'),
      errors: tasks.optional().describe('Tasks run when a task fails.'),
      finally: tasks.optional().describe('Tasks always run at the end, while the execution is still RUNNING.'),
      afterExecution: tasks.optional().describe('Tasks run after the execution reached its final state.'),
      inputs: z.array(inputSchema()).optional(),
      outputs: z.array(outputSchema).optional(),
      triggers: z.array(triggerUnion).optional(),
      pluginDefaults: z.array(pluginDefaultSchema).optional(),
      taskDefaults: z.array(pluginDefaultSchema).optional().describe('Legacy name of `pluginDefaults`.'),
      retry: retrySchema.optional().describe('Default retry of the runnable tasks without their own.'),
      sla: z.array(slaSchema).optional(),
      checks: z.array(checkSchema).optional(),
    })
    .meta({ title: 'tflow flow', description: 'A Kestra-style flow, run by tflow on Temporal.' });
  return z.toJSONSchema(document, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** One branch per type name (aliases included), each pinning `type` to that name. */
function taskBranches(definition: TaskDefinition | MappedTaskType, task: z.ZodType): z.ZodObject[] {
  const childLists = definition.kind === 'flowable' ? definition.childLists : [];
  const shape: Record<string, z.ZodType> = {};
  for (const [key, property] of Object.entries(definition.properties.shape as Record<string, z.ZodType>)) {
    // Optional here: `pluginDefaults` may supply any property, so only the compiler knows what is missing.
    shape[key] = (childLists.includes(key) ? withTasks(property, task) : acceptTemplates(property)).optional();
  }
  const errors = definition.kind === 'flowable' ? { errors: z.array(task).optional().describe('Tasks run when a child task fails.') } : {};
  return [definition.type, ...(definition.aliases ?? [])].map((name) =>
    z
      .strictObject({ ...shape, ...commonTaskShape, ...errors, type: z.literal(name) })
      .meta(describe(name === definition.type ? definition.title : `Legacy name of ${definition.type}. ${definition.title}`)),
  );
}

/**
 * A child-list property with its tasks typed. By convention, the flowable modules write a child task
 * as `z.unknown()` (or a `z.record(z.string(), z.unknown())`, Dag's `task`): those become Task.
 */
function withTasks(schema: z.ZodType, task: z.ZodType): z.ZodType {
  const def = schema._zod.def as {
    type: string;
    innerType?: z.ZodType;
    element?: z.ZodType;
    keyType?: z.ZodType;
    valueType?: z.ZodType;
    shape?: Record<string, z.ZodType>;
  };
  switch (def.type) {
    case 'unknown':
    case 'any':
      return task;
    case 'optional':
      return withTasks(def.innerType as z.ZodType, task).optional();
    case 'array': {
      const checks = (def as { checks?: { _zod: { def: { check: string; minimum?: number } } }[] }).checks ?? [];
      const minimum = checks.find((check) => check._zod.def.check === 'min_length')?._zod.def.minimum;
      const array = z.array(withTasks(def.element as z.ZodType, task));
      return minimum ? array.min(minimum) : array;
    }
    case 'record':
      return def.valueType?._zod.def.type === 'unknown' ? task : z.record(z.string(), withTasks(def.valueType as z.ZodType, task));
    case 'object':
      return z.strictObject(Object.fromEntries(Object.entries(def.shape ?? {}).map(([key, value]) => [key, withTasks(value, task)])));
    default:
      return schema;
  }
}

/** A property that is not already a string also accepts an expression (rendered at run time). */
function acceptTemplates(schema: z.ZodType): z.ZodType {
  if (schema.safeParse('{{ x }}').success) return schema;
  const optional = schema._zod.def.type === 'optional' || schema.safeParse(undefined).success;
  const union = z.union([schema, templateString]);
  return optional ? union.optional() : union;
}

function describe(text: string): { description: string; markdownDescription: string } {
  return { description: text, markdownDescription: text };
}
