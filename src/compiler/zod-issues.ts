/** Reading zod's issues back in Kestra's words: the keys a schema accepts somewhere, and what an issue says. */
import type { z } from 'zod';
import { valueAt, type YamlPath } from './yaml-values';

/** The keys a (possibly nested) zod object schema accepts at `path`, for did-you-mean hints. */
export function knownKeysAt(schema: z.ZodType, value: unknown, path: YamlPath): string[] {
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
export function describeIssue(issue: z.core.$ZodIssue, given: unknown): string {
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
