/**
 * Flow inputs: from the values a user gave to the typed `inputs` an execution sees, with Kestra's
 * rules and messages (``Invalid input for `x`, <reason>, but received `v` ``). Pure: the client
 * checks inputs before it starts an execution, so a bad value never creates one.
 */
import type { InputSpec, InputType } from '../flow/spec';
import { type Context, ExpressionError, FlowRegexError, matchesWhole, renderTyped } from '../expression';
import { parseDuration } from './duration';
import { checkReadable, type StorageScope } from '../storage/storage-scope';
import { isStorageUri } from '../storage/storage-uri';
import { messageOf } from '../error-message';

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
        message: `Invalid input for \`${spec.id}\`, ${error.message}, but received \`${show(raw)}\``,
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
      const value = typeof raw === 'number' ? raw : /^[-+]?\d+$/.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
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
      return new Date(text).toISOString().replace('.000Z', 'Z');
    }
    case 'DATE': {
      const text = String(raw).trim();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(text))) throw new InvalidInput(`Text '${text}' could not be parsed`);
      return text;
    }
    case 'TIME': {
      const text = String(raw).trim();
      if (!/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$/.test(text)) throw new InvalidInput(`Text '${text}' could not be parsed`);
      return text;
    }
    case 'DURATION': {
      const text = String(raw).trim();
      if (parseDuration(text) === undefined) throw new InvalidInput(`Text cannot be parsed to a Duration`);
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
        throw new InvalidInput(messageOf(error));
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

function checkBounds(spec: InputSpec, value: number): void {
  if (spec.min !== undefined && value < Number(spec.min)) throw new InvalidInput(`it must be more than \`${spec.min}\``);
  if (spec.max !== undefined && value > Number(spec.max)) throw new InvalidInput(`it must be less than \`${spec.max}\``);
}
