/** Flow-level `labels`, `retry`, `sla` and `checks` (labels and retry serve triggers and tasks too). */
import { parseDuration } from '../workflow/interpreter/duration';
import { checkSchema, RETRY_TYPES, type RetryDocument, retrySchema, SLA_TYPES, slaSchema } from '../workflow/flow/schema';
import type { CheckSpec, RetrySpec, SlaSpec } from '../workflow/flow/spec';
import type { FlowSource } from './flow-source';
import { isPlainObject, type YamlPath } from './yaml-values';

/** Labels as a map; in the flow itself, `system.*` keys are Kestra's own. */
export function compileLabels(source: FlowSource, labels: unknown, path: YamlPath, refuseSystemLabels: boolean): Record<string, string> {
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
      source.report(
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

/** Flow-level retry (task-level retry is part of the task's schema). */
export function compileRetry(source: FlowSource, value: unknown, path: YamlPath): RetrySpec | undefined {
  if (!isPlainObject(value)) return source.reportAndSkip(path, '`retry` must be a mapping with a `type`');
  if (!source.checkTypeName(value.type, RETRY_TYPES, path, 'constant')) return undefined;
  const parsed = retrySchema.safeParse(value);
  if (!parsed.success) return source.reportZodIssues(path, value, parsed.error.issues, retrySchema);
  checkRetryBounds(source, parsed.data, path);
  return normaliseRetry(parsed.data);
}

/** Kestra's retry rules: each interval below the next bound (`maxInterval`, `maxDuration`). */
export function checkRetryBounds(source: FlowSource, retry: RetryDocument, path: YamlPath): void {
  const durations = retry as unknown as Record<string, string | undefined>;
  const ms = (key: string) => (durations[key] === undefined ? undefined : parseDuration(durations[key]));
  const mustBeLess = (smaller: 'interval' | 'minInterval' | 'maxInterval', larger: 'maxInterval' | 'maxDuration') => {
    const small = ms(smaller);
    const large = ms(larger);
    if (small !== undefined && large !== undefined && small >= large) {
      source.report([...path, smaller], `'${smaller}' must be less than '${larger}' but is ${durations[smaller]}`);
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

export function compileSla(source: FlowSource, items: unknown): SlaSpec[] {
  if (!Array.isArray(items)) return [];
  // Kestra does not require SLA ids to be unique (its own sla-execution-condition.yaml repeats one): each SLA applies.
  return items.flatMap((item, index): SlaSpec[] => {
    const path = ['sla', index];
    if (!isPlainObject(item)) return source.reportAndSkip(path, 'an SLA must be a mapping with `id` and `type`') ?? [];
    if (!source.checkTypeName(item.type, SLA_TYPES, path, 'MAX_DURATION')) return [];
    const parsed = slaSchema.safeParse(item);
    if (!parsed.success) return source.reportZodIssues(path, item, parsed.error.issues, slaSchema) ?? [];
    const sla = parsed.data;
    if (sla.type === 'EXECUTION_ASSERTION') source.checkExpressions(sla.assert, [...path, 'assert']);
    return [
      {
        id: sla.id,
        type: sla.type,
        behavior: sla.behavior ?? 'FAIL',
        labels: compileLabels(source, sla.labels, [...path, 'labels'], false),
        ...(sla.type === 'MAX_DURATION' ? { duration: sla.duration } : { assert: sla.assert }),
      },
    ];
  });
}

export function compileChecks(source: FlowSource, items: unknown): CheckSpec[] {
  if (!Array.isArray(items)) return [];
  return items.flatMap((item, index): CheckSpec[] => {
    const path = ['checks', index];
    const parsed = checkSchema.safeParse(item);
    if (!parsed.success) return source.reportZodIssues(path, item, parsed.error.issues, checkSchema) ?? [];
    source.checkExpressions(parsed.data.condition, [...path, 'condition']);
    source.checkExpressions(parsed.data.message, [...path, 'message']);
    const { condition, message, style, behavior } = parsed.data;
    return [{ condition, message, style: style ?? 'INFO', behavior: behavior ?? 'BLOCK_EXECUTION', position: source.positionOf(path) }];
  });
}

export function normaliseRetry(retry: RetryDocument): RetrySpec {
  const { maxAttempt, behavior, ...rest } = retry;
  // RETRY_FAILED_TASK (the default) is left out: FlowSpecs keep the shape they had before CREATE_NEW_EXECUTION was run.
  return { ...rest, maxAttempts: retry.maxAttempts ?? maxAttempt, ...(behavior === 'CREATE_NEW_EXECUTION' ? { behavior } : {}) };
}
