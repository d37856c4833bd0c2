/**
 * Kestra's inputs, in one place: how an input is declared (the schema of each type), what a
 * declaration must satisfy beyond its schema, the InputSpec it becomes, and how a given value is
 * checked and typed. The compiler uses it for flow `inputs`, the Pause task for `onResume`, and
 * starting, resuming or triggering an execution for the values (with Kestra's messages:
 * ``Invalid input for `x`, <reason>, but received `v` ``). Pure and deterministic: it runs in the
 * workflow (Pause, Subflow) and in the client, which checks inputs before it starts an execution,
 * so a bad value never creates one.
 */
import { z } from 'zod';
import type { PropertyProblem } from '../../compiler/diagnostics';
import type { InputSpec, InputType } from './spec';
import { type Context, ExpressionError, FlowRegexError, matchesWhole, regexProblem, renderTyped } from '../expression';
import { parseDuration } from '../interpreter/duration';
import { checkReadable, type StorageScope } from '../storage/storage-scope';
import { isStorageUri } from '../storage/storage-uri';
import { SECRET_MASK, sealedSecretOf } from './sealed-secret';

export const INPUT_ID_PATTERN = /^[a-zA-Z0-9][.a-zA-Z0-9_-]*$/;

// ---------------------------------------------------------------------------------------------
// Declarations

// The schemas are built on first use, not at module load: this module runs in the workflow, where
// every execution loads its own copy of it, and only the compiler (and Pause's schema) uses them.
const inputShared = () => ({
  id: z
    .string()
    .regex(INPUT_ID_PATTERN, 'must match "^[a-zA-Z0-9][.a-zA-Z0-9_-]*" (letters, digits, ., _ and -)')
    .optional()
    .describe('Input id; dots nest (`a.b` → `inputs.a.b`).'),
  /** Kestra's legacy name for `id`. */
  name: z.string().optional().describe('Legacy name of `id`.'),
  description: z.string().optional(),
  displayName: z.string().max(64).optional(),
  required: z.boolean().optional().describe('Default true: an execution without a value (or default) is refused.'),
  defaults: z.unknown().optional().describe('Default value; expressions are rendered.'),
  prefill: z.unknown().optional(),
  dependsOn: z
    .strictObject({
      inputs: z.array(z.string()).optional(),
      condition: z.string().optional(),
    })
    .optional()
    .describe('The input is shown (and resolved) only when these inputs are set and the condition holds.'),
});

export const INPUT_TYPES = [
  'STRING',
  'INT',
  'FLOAT',
  'BOOLEAN',
  'BOOL',
  'SELECT',
  'ENUM',
  'MULTISELECT',
  'ARRAY',
  'JSON',
  'YAML',
  'DATETIME',
  'DATE',
  'TIME',
  'DURATION',
  'URI',
  'EMAIL',
  'SECRET',
  'FILE',
] as const;
export type InputTypeName = (typeof INPUT_TYPES)[number];

/** Each input type's own properties (Kestra has one class per type, so others are refused). */
function inputTypeShape(type: InputTypeName) {
  const choiceValues = z.array(z.union([z.string(), z.number(), z.boolean()]));
  const numberOrTemplate = z.union([z.number(), z.string()]);
  const shapes = {
    STRING: { validator: z.string().optional().describe('Regular expression the whole value must match.') },
    INT: { min: numberOrTemplate.optional(), max: numberOrTemplate.optional() },
    FLOAT: { min: numberOrTemplate.optional(), max: numberOrTemplate.optional() },
    BOOLEAN: {},
    BOOL: {},
    SELECT: {
      values: choiceValues.optional(),
      expression: z.string().optional().describe('Expression rendering the list of values.'),
      allowCustomValue: z.boolean().optional(),
      isRadio: z.boolean().optional(),
    },
    ENUM: { values: choiceValues.optional() },
    MULTISELECT: {
      values: choiceValues.optional(),
      /** Kestra's legacy name for `values`. */
      options: choiceValues.optional(),
      expression: z.string().optional(),
      itemType: z.string().optional(),
      allowCustomValue: z.boolean().optional(),
    },
    ARRAY: { itemType: z.string().describe('Type of each element (any input type but ARRAY).') },
    JSON: {},
    YAML: {},
    DATETIME: { after: z.string().optional(), before: z.string().optional() },
    DATE: { after: z.string().optional(), before: z.string().optional() },
    TIME: { after: z.string().optional(), before: z.string().optional() },
    DURATION: { min: z.string().optional(), max: z.string().optional() },
    URI: {},
    EMAIL: {},
    SECRET: { validator: z.string().optional() },
    FILE: { extension: z.string().optional().describe('File extension of the stored file, `.upl` by default.') },
  } satisfies Record<InputTypeName, z.ZodRawShape>;
  return shapes[type];
}

function inputSchemaFor(type: InputTypeName) {
  // FILE inputs cannot have defaults (Kestra refuses them): leaving `defaults` out lets the JSON
  // Schema refuse them too; the compiler reports Kestra's own message.
  const { defaults, ...sharedWithoutDefaults } = inputShared();
  const shared = type === 'FILE' ? sharedWithoutDefaults : { ...sharedWithoutDefaults, defaults };
  return z.strictObject({ type: z.literal(type), ...shared, ...inputTypeShape(type) }).describe(`${type} input`);
}

const inputSchemas = new Map<InputTypeName, ReturnType<typeof inputSchemaFor>>();
let anyInputSchema: z.ZodType<InputDocument> | undefined;

/** The schema of one input type (built once). */
export function inputSchemaOf(type: InputTypeName): ReturnType<typeof inputSchemaFor> {
  let schema = inputSchemas.get(type);
  if (!schema) inputSchemas.set(type, (schema = inputSchemaFor(type)));
  return schema;
}

/**
 * Any input, discriminated by `type` (typed loosely: the union of 20 shapes is not worth spelling
 * out). Always the same instance: the JSON Schema names it (`#/definitions/Input`).
 */
export function inputSchema(): z.ZodType<InputDocument> {
  anyInputSchema ??= z.discriminatedUnion(
    'type',
    INPUT_TYPES.map(inputSchemaOf) as unknown as [z.ZodObject, ...z.ZodObject[]],
  ) as unknown as z.ZodType<InputDocument>;
  return anyInputSchema;
}
/** The properties any input may have, whatever its type (what the compiler reads). */
export type InputDocument = z.output<z.ZodObject<ReturnType<typeof inputShared>>> & {
  type: InputTypeName;
  validator?: string;
  values?: (string | number | boolean)[];
  options?: (string | number | boolean)[];
  expression?: string;
  allowCustomValue?: boolean;
  isRadio?: boolean;
  min?: number | string;
  max?: number | string;
  after?: string;
  before?: string;
  itemType?: string;
  extension?: string;
};

/** A whole integer, and a time of day (HH:mm[:ss[.fff]]), as input values and bounds are written. */
const INTEGER_TEXT = /^[-+]?\d+$/;
const TIME_TEXT = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$/;

/**
 * What a declaration must satisfy beyond its schema, at paths relative to it: a usable `validator`,
 * `values` for a choice, no ARRAY of ARRAYs, bounds of the input's type and in order. (`defaults`
 * on FILE is refused by the FILE schema; whether `type` and `itemType` name input types, and
 * whether expressions parse, the compiler checks as it does everywhere.)
 */
export function inputDeclarationProblems(input: InputDocument): PropertyProblem[] {
  const problems: PropertyProblem[] = [];
  const type = input.type;
  if (input.itemType === 'ARRAY') problems.push({ path: ['itemType'], message: '`itemType` cannot be `ARRAY`' });
  const validatorProblem = typeof input.validator === 'string' ? regexProblem(input.validator) : undefined;
  if (validatorProblem !== undefined) {
    problems.push({ path: ['validator'], message: validatorProblem, hint: 'a regular expression (RE2 syntax) the whole value must match' });
  }
  if ((type === 'SELECT' || type === 'ENUM' || type === 'MULTISELECT') && !input.values && !input.options && !input.expression) {
    problems.push({
      path: [],
      message: `a ${type} input needs \`values\` or \`expression\``,
      hint: 'list the allowed values, e.g. values: [yellow, green]',
    });
  }
  problems.push(...boundsProblems(input));
  return problems;
}

/** The bound properties of a type: `after`/`before` for dates and times, `min`/`max` for numbers and durations. */
function boundKeys(type: InputType): readonly ['after', 'before'] | readonly ['min', 'max'] {
  return type === 'DATETIME' || type === 'DATE' || type === 'TIME' ? (['after', 'before'] as const) : (['min', 'max'] as const);
}

/**
 * A value or bound of a numeric, date, time or duration input as a number that orders like it
 * (milliseconds for instants, times of day and durations); NaN when it is not one; undefined for
 * other types and for bounds written as expressions.
 */
function comparableValue(type: InputType, value: unknown): number | undefined {
  if (value === undefined || isTemplate(value)) return undefined;
  const text = String(value);
  if (type === 'INT') return INTEGER_TEXT.test(text) ? Number(text) : NaN;
  if (type === 'FLOAT') return text.trim() === '' ? NaN : Number(text);
  if (type === 'DURATION') return parseDuration(text) ?? NaN;
  if (type === 'DATETIME' || type === 'DATE') return Date.parse(text);
  if (type === 'TIME') return TIME_TEXT.test(text) ? Date.parse(`1970-01-01T${text}Z`) : NaN;
  return undefined;
}

/** `min`/`max` and `after`/`before` must parse as the input's type and be in order. */
function boundsProblems(input: InputDocument): PropertyProblem[] {
  const type = input.type as InputType;
  const [low, high] = boundKeys(type);
  const lowValue = comparableValue(type, input[low]);
  const highValue = comparableValue(type, input[high]);
  const problems: PropertyProblem[] = [];
  for (const [key, value] of [
    [low, lowValue],
    [high, highValue],
  ] as const) {
    if (Number.isNaN(value)) problems.push({ path: [key], message: `\`${key}\` must be a valid ${type} value, but is \`${String(input[key])}\`` });
  }
  if (lowValue !== undefined && highValue !== undefined && lowValue > highValue) {
    problems.push({ path: [high], message: `\`${low}\` must not be greater than \`${high}\`` });
  }
  return problems;
}

function isTemplate(value: unknown): boolean {
  return typeof value === 'string' && (value.includes('{{') || value.includes('{%'));
}

/** The InputSpec a declaration becomes (the compiler adds where it is written). */
export function inputSpecOf(input: InputDocument): InputSpec {
  return {
    id: input.id ?? input.name ?? '',
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
    expression: input.expression,
    after: input.after,
    before: input.before,
    extension: input.extension,
    ...(input.dependsOn ? { dependsOn: { inputs: input.dependsOn.inputs ?? [], condition: input.dependsOn.condition } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Values

export interface InputProblem {
  inputId: string;
  message: string;
}

export interface ResolvedInputs {
  inputs: Record<string, unknown>;
  problems: InputProblem[];
}

class InvalidInput extends Error {}

export interface InputOptions {
  /**
   * FILE inputs must be kestra:// URIs this execution may read (its uploads, its parent's files: see
   * src/workflow/storage/storage-scope.ts); `file://` and other namespaces' URIs are refused. Without it, any
   * kestra://, nsfile:// or file:// string passes, as for executions recorded before the rule.
   */
  fileScope?: StorageScope;
  /**
   * Asked only when a DATE/DATETIME/TIME or DURATION value is outside its `after`/`before` or
   * `min`/`max`: false lets it pass, as before these rules were enforced. The workflow answers with
   * its patch check, so executions recorded before replay as they ran. Enforced when left out.
   */
  rangeRulesApply?: () => boolean;
}

/**
 * Resolves every declared input: the given value, else the (rendered) default; then parses it by type.
 * Values given for undeclared inputs are dropped, as Kestra does.
 */
export function resolveInputs(
  specs: readonly InputSpec[],
  given: Record<string, unknown>,
  context: Context = {},
  options: InputOptions = {},
): ResolvedInputs {
  const inputs: Record<string, unknown> = {};
  const problems: InputProblem[] = [];
  for (const spec of specs) {
    let raw = given[spec.id];
    try {
      if (raw === undefined || raw === null || raw === '') {
        raw = spec.defaults === undefined ? null : renderDefault(spec.defaults, { ...context, inputs });
      }
      if (raw === null || raw === undefined) {
        if (spec.required) throw new InvalidInput('missing required input');
        setNested(inputs, spec.id, null);
        continue;
      }
      setNested(inputs, spec.id, parseInput(spec, raw, options));
    } catch (error) {
      if (!(error instanceof InvalidInput) && !(error instanceof ExpressionError)) throw error;
      problems.push({
        inputId: spec.id,
        // A SECRET's value never reaches an error message (which the API returns and logs keep).
        message: `Invalid input for \`${spec.id}\`, ${error.message}, but received \`${spec.type === 'SECRET' && raw != null ? SECRET_MASK : show(raw)}\``,
      });
    }
  }
  return { inputs, problems };
}

function renderDefault(value: unknown, context: Context): unknown {
  return typeof value === 'string' && value.includes('{{') ? renderTyped(value, context) : value;
}

/** Input ids with dots nest: `nested.more.int` → `inputs.nested.more.int`. */
function setNested(target: Record<string, unknown>, id: string, value: unknown): void {
  const keys = id.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Java's `matches()` on RE2 (linear time: the API checks inputs in its own process). A pattern
 * RE2 cannot run is refused when the flow is validated; one deployed before is an invalid input.
 */
function validatorMatches(validator: string, value: string): boolean {
  try {
    return matchesWhole(validator, value);
  } catch (error) {
    if (error instanceof FlowRegexError) throw new InvalidInput(`its validator is unusable: ${error.message}`);
    throw error;
  }
}

/**
 * What `/^[^\s@]+@[^\s@]+\.[^\s@]+$/` accepts (one `@`, no whitespace, a dot inside the domain),
 * without that regex: it backtracks quadratically on a long run of dots, in the API process.
 */
function isEmail(text: string): boolean {
  if (/\s/.test(text)) return false;
  const parts = text.split('@');
  return parts.length === 2 && parts[0] !== '' && parts[1].slice(1, -1).includes('.');
}

export function parseInput(spec: InputSpec, raw: unknown, options: InputOptions = {}): unknown {
  return parseByType(spec.type, spec, raw, options);
}

function parseByType(type: InputType, spec: InputSpec, raw: unknown, options: InputOptions): unknown {
  switch (type) {
    case 'STRING': {
      // Kestra passes non-string values through untouched.
      if (spec.validator && typeof raw === 'string' && !validatorMatches(spec.validator, raw)) {
        throw new InvalidInput(`it must match the pattern \`${spec.validator}\``);
      }
      return raw;
    }
    case 'INT': {
      const value = typeof raw === 'number' ? raw : INTEGER_TEXT.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
      if (!Number.isInteger(value)) throw new InvalidInput(`For input string: "${show(raw)}"`);
      checkBounds(spec, value);
      return value;
    }
    case 'FLOAT': {
      const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (Number.isNaN(value) || String(raw).trim() === '') throw new InvalidInput(`For input string: "${show(raw)}"`);
      checkBounds(spec, value);
      return value;
    }
    case 'BOOLEAN':
    case 'BOOL':
      return typeof raw === 'boolean' ? raw : String(raw).trim().toLowerCase() === 'true';
    case 'SELECT':
    case 'ENUM': {
      const value = String(raw);
      if (spec.values && !spec.allowCustomValue && spec.required && !spec.values.includes(value)) {
        throw new InvalidInput(`it must match the values \`[${spec.values.join(', ')}]\``);
      }
      return value;
    }
    case 'MULTISELECT':
    case 'ARRAY': {
      const list = typeof raw === 'string' ? parseJsonArray(raw) : raw;
      if (!Array.isArray(list)) throw new InvalidInput(`Expected \`ARRAY\` but received \`${show(raw)}\``);
      if (type === 'MULTISELECT') {
        const bad = list.find((item) => spec.values && !spec.allowCustomValue && !spec.values.includes(String(item)));
        if (bad !== undefined) throw new InvalidInput(`it must match the values \`[${(spec.values ?? []).join(', ')}]\``);
        return list.map(String);
      }
      const itemType = spec.itemType ?? 'STRING';
      return list.map((item) => {
        try {
          return parseByType(itemType, { ...spec, type: itemType }, item, options);
        } catch {
          throw new InvalidInput(`Unable to parse array element as \`${itemType}\` on \`${show(item)}\``);
        }
      });
    }
    case 'JSON':
      if (typeof raw !== 'string') return raw;
      try {
        return JSON.parse(raw);
      } catch {
        throw new InvalidInput('Invalid JSON');
      }
    case 'DATETIME': {
      const text = String(raw).trim();
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(Date.parse(text))) {
        throw new InvalidInput(`Text '${text}' could not be parsed`);
      }
      checkRange(spec, text, options);
      return new Date(text).toISOString().replace('.000Z', 'Z');
    }
    case 'DATE': {
      const text = String(raw).trim();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(text))) throw new InvalidInput(`Text '${text}' could not be parsed`);
      checkRange(spec, text, options);
      return text;
    }
    case 'TIME': {
      const text = String(raw).trim();
      if (!TIME_TEXT.test(text)) throw new InvalidInput(`Text '${text}' could not be parsed`);
      checkRange(spec, text, options);
      return text;
    }
    case 'DURATION': {
      const text = String(raw).trim();
      if (parseDuration(text) === undefined) throw new InvalidInput(`Text cannot be parsed to a Duration`);
      checkRange(spec, text, options);
      return text;
    }
    case 'SECRET': {
      // Sealed by the client that started the execution (src/secret-inputs/), or passed on sealed by a
      // Subflow (its rendered inputs are text, so the sealed value arrives as its JSON). Before this
      // case a SECRET value was dropped and any task using it failed. Not patched: a run's history
      // holds its inputs already resolved; only a Pause's SECRET onResume value, resolved again on
      // replay, now exists, which changes an old execution only where a later task used it.
      const sealed = sealedSecretOf(raw);
      if (sealed) return sealed;
      const text = String(raw);
      if (spec.validator && !validatorMatches(spec.validator, text)) throw new InvalidInput(`it must match the pattern \`${spec.validator}\``);
      return text;
    }
    case 'URI': {
      const text = String(raw);
      if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s/]+/i.test(text)) throw new InvalidInput(`Expected \`URI\` but received \`${text}\``);
      return text;
    }
    case 'EMAIL': {
      const text = String(raw);
      if (text !== '' && !isEmail(text)) throw new InvalidInput('The input must be a valid email');
      return text;
    }
    case 'FILE': {
      // The API stores an uploaded file first and passes its internal-storage URI.
      const text = String(raw);
      if (!options.fileScope) {
        if (!/^(kestra|nsfile|file):\/\//.test(text)) throw new InvalidInput(`Expected a file URI (kestra:///…) but received \`${text}\``);
        return text;
      }
      if (!isStorageUri(text)) throw new InvalidInput('expected a file uploaded with the execution (multipart) or a kestra:// URI it may read');
      try {
        checkReadable(text, options.fileScope);
      } catch (error) {
        throw new InvalidInput(error instanceof Error ? error.message : String(error));
      }
      return text;
    }
  }
}

function parseJsonArray(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.split(',').map((item) => item.trim());
  }
}

/**
 * DATE/DATETIME/TIME `after`/`before` and DURATION `min`/`max`, with Kestra's messages (its
 * DurationInput's start with a capital). Bounds are inclusive, as in Kestra.
 */
function checkRange(spec: InputSpec, text: string, options: InputOptions): void {
  const [low, high] = boundKeys(spec.type);
  const value = comparableValue(spec.type, text)!;
  const lowValue = comparableValue(spec.type, spec[low]);
  const highValue = comparableValue(spec.type, spec[high]);
  const duration = spec.type === 'DURATION';
  let problem: string | undefined;
  if (lowValue !== undefined && value < lowValue) problem = duration ? `It must be more than \`${spec.min}\`` : `it must be after \`${spec.after}\``;
  else if (highValue !== undefined && value > highValue)
    problem = duration ? `It must be less than \`${spec.max}\`` : `it must be before \`${spec.before}\``;
  if (problem !== undefined && (options.rangeRulesApply?.() ?? true)) throw new InvalidInput(problem);
}

function checkBounds(spec: InputSpec, value: number): void {
  if (spec.min !== undefined && value < Number(spec.min)) throw new InvalidInput(`it must be more than \`${spec.min}\``);
  if (spec.max !== undefined && value > Number(spec.max)) throw new InvalidInput(`it must be less than \`${spec.max}\``);
}
