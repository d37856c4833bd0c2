/**
 * Diagnostics: every problem found in a flow, with where it is and what to do about it.
 * Rendered as `file:line:col: message` for the CLI, kept as records for the API.
 */

export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  /** YAML path of the offending node, e.g. `tasks[0].type`. */
  path: string;
  message: string;
  hint?: string;
  /** A warning does not refuse the flow (a deprecated type or form: src/compiler/deprecated-types.ts). */
  severity?: 'warning';
}

/** A problem found by a task or trigger type's own `validate` hook, at a path relative to it. */
export interface PropertyProblem {
  path: (string | number)[];
  message: string;
  hint?: string;
}

/** One line: `file:line:col: message [path] (hint)`, with `warning: ` before the message of a warning. */
export function formatDiagnostic(d: Diagnostic): string {
  const path = d.path ? ` [${d.path}]` : '';
  const hint = d.hint ? ` (${d.hint})` : '';
  const severity = d.severity ? `${d.severity}: ` : '';
  return `${d.file}:${d.line}:${d.col}: ${severity}${d.message}${path}${hint}`;
}

/** Thrown when a flow (or the inputs given to it) cannot be accepted. */
export class FlowValidationError extends Error {
  override name = 'FlowValidationError';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

/** `tasks[0].then[1]` from `['tasks', 0, 'then', 1]`. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The closest candidate to a misspelt name, for "did you mean" hints. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions of one character. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
