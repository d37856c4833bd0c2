/** Syntax trees of templates and expressions. `offset` is the position in the template, for errors. */

export interface Args {
  positional: Expr[];
  named: Array<{ name: string; value: Expr }>;
}

export type Expr =
  | { kind: 'literal'; value: unknown; offset: number }
  | { kind: 'variable'; name: string; offset: number }
  | { kind: 'attribute'; object: Expr; key: Expr; args?: Args; offset: number }
  | { kind: 'list'; items: Expr[]; offset: number }
  | { kind: 'map'; entries: Array<[Expr, Expr]>; offset: number }
  | { kind: 'unary'; op: string; operand: Expr; offset: number }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; offset: number }
  | { kind: 'filter'; input: Expr; name: string; args: Args; offset: number }
  | { kind: 'test'; input: Expr; name: string; negated: boolean; args: Args; offset: number }
  | { kind: 'call'; name: string; args: Args; offset: number }
  | { kind: 'ternary'; condition: Expr; then: Expr; otherwise: Expr; offset: number };

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'print'; expr: Expr; offset: number }
  | { kind: 'raw'; content: string; source: string }
  | { kind: 'if'; branches: Array<{ condition: Expr; body: Node[] }>; otherwise?: Node[]; offset: number }
  | { kind: 'for'; variable: string; iterable: Expr; body: Node[]; otherwise?: Node[]; offset: number }
  | { kind: 'set'; name: string; value: Expr; offset: number };

export interface Template {
  source: string;
  nodes: Node[];
}
