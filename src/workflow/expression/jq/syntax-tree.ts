/** The syntax tree the parser builds and the evaluator walks: plain JSON, cached per program (./index.ts). */

export type Node =
  | { kind: 'identity' }
  | { kind: 'recurse' }
  | { kind: 'literal'; value: unknown }
  | { kind: 'string'; parts: Array<string | Node> }
  | { kind: 'variable'; name: string; offset: number }
  | { kind: 'index'; target: Node; key: Node; offset: number }
  | { kind: 'slice'; target: Node; from?: Node; to?: Node; offset: number }
  | { kind: 'iterate'; target: Node; offset: number }
  | { kind: 'try'; body: Node; handler?: Node }
  | { kind: 'pipe'; left: Node; right: Node }
  | { kind: 'comma'; left: Node; right: Node }
  | { kind: 'alternative'; left: Node; right: Node }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node; offset: number }
  | { kind: 'negate'; operand: Node; offset: number }
  | { kind: 'array'; body?: Node }
  | { kind: 'object'; entries: Array<{ key: Node; value: Node }> }
  | { kind: 'if'; branches: Array<{ condition: Node; then: Node }>; otherwise?: Node }
  | { kind: 'reduce'; source: Node; variable: string; init: Node; update: Node }
  | { kind: 'bind'; source: Node; variable: string; body: Node }
  | { kind: 'call'; name: string; args: Node[]; offset: number }
  | { kind: 'assign'; op: string; target: Node; value: Node }
  | { kind: 'format'; name: string; body?: Node };
