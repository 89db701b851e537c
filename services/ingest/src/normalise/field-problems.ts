/** A value that cannot be taken, with the dotted path of its field. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

export type Normalised<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly FieldProblem[] };

/** The command parser's "field: message" lines as field problems. */
export function asFieldProblem(line: string): FieldProblem {
  const at = line.indexOf(': ');
  return at > 0 ? { path: line.slice(0, at), message: line.slice(at + 2) } : { path: '(body)', message: line };
}
