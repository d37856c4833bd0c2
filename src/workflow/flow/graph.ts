/**
 * Dependency graphs (input `dependsOn`, Dag `dependsOn`): missing targets and cycles, reported with
 * Kestra's wording. Pure, shared by the compiler and by flowable task types' `validate` hooks.
 */

/** The nodes of one cycle in `dependencies` (node → the nodes it depends on), in order, or undefined. */
export function findCycle(dependencies: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return stack.slice(stack.indexOf(node));
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of dependencies.get(node) ?? []) {
      if (!dependencies.has(next)) continue; // a missing target is reported on its own
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of dependencies.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Kestra's message for a cycle: "Cyclic dependency detected: a, b". */
export function cycleMessage(cycle: readonly string[]): string {
  return `Cyclic dependency detected: ${cycle.join(', ')}`;
}
