/** The test table (`x is defined`, `x is not empty`…): Pebble's core tests plus Kestra's `json`. */
import { parseJson } from './json';
import { CallError, TestDef } from './callables';
import { isList, isMap, isNumber, num } from './values';

/** Pebble's `EmptyTest`, also the condition of the `default` filter. */
export function isEmpty(input: unknown): boolean {
  if (input === null || input === undefined) return true;
  if (typeof input === 'string') return input.trim().length === 0;
  if (isList(input)) return input.length === 0;
  if (isMap(input)) return Object.keys(input).length === 0;
  return false;
}

function parity(name: string, even: boolean): TestDef {
  return {
    args: [],
    test(input) {
      if (input === null || input === undefined) throw new CallError(`Can not pass null value to "${name}" test.`);
      if (!isNumber(input)) throw new CallError(`Can not pass a non-number value to "${name}" test.`);
      return (Math.trunc(num(input)) % 2 === 0) === even;
    },
  };
}

export const TESTS: Record<string, TestDef> = {
  // `defined` and `null` see undefined variables as null (the evaluator exempts `defined` from strictness).
  defined: { args: [], test: (input) => input !== null && input !== undefined },
  null: { args: [], test: (input) => input === null || input === undefined },
  empty: { args: [], test: isEmpty },
  even: parity('even', true),
  odd: parity('odd', false),
  iterable: { args: [], test: (input) => isList(input) },
  map: { args: [], test: (input) => isMap(input) },
  json: {
    args: [],
    test(input) {
      if (typeof input !== 'string') return false;
      try {
        const value = parseJson(input);
        return isMap(value) || isList(value);
      } catch {
        return false;
      }
    },
  },
};
