/**
 * YAML of a flow where an output appears late: its Parallel `both` runs a `slow` branch that sets
 * `outputs.ready.value` (`ready`) after a one-second Sleep, beside `siblings` (list items indented
 * by six spaces), which may read it before it is there (render errors retried under `retry`).
 */
export function flowWithLateOutput(id: string, namespace: string, siblings: string): string {
  return `
id: ${id}
namespace: ${namespace}
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: slow
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: wait
            type: io.kestra.plugin.core.flow.Sleep
            duration: PT1S
          - id: ready
            type: io.kestra.plugin.core.debug.Return
            format: ready
${siblings}`;
}
