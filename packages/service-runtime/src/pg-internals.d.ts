// The two modules of pg that a statement group (transaction-ends.ts) shares with pg's own Query,
// so its rows and values are read and written exactly as pg's are. pg exports them ('./lib/*')
// but @types/pg does not describe them.
declare module 'pg/lib/result' {
  import type { FieldDef } from 'pg';
  class Result {
    constructor(rowMode: 'array' | undefined, types: unknown);
    command: string | null;
    rows: unknown[];
    addFields(fields: readonly FieldDef[]): void;
    parseRow(fields: readonly unknown[]): unknown;
    addRow(row: unknown): void;
    addCommandComplete(message: unknown): void;
  }
  export = Result;
}

declare module 'pg/lib/utils' {
  export function prepareValue(value: unknown): string | Buffer | null;
}
