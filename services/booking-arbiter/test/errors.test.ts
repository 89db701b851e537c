import { decisionFailureOf, FencedError, LedgerConflictError, LedgerRefusedDataError } from '../src/errors';

const pgError = (code: string): Error => Object.assign(new Error(`PostgreSQL says ${code}`), { code });

describe('decisionFailureOf: what a failed decision transaction means for its command', () => {
  it.each(['23P01', '40001', '40P01'])('%s: another transaction won the race; decided again on fresh state', (code) => {
    const failure = decisionFailureOf(pgError(code));
    expect(failure).toBeInstanceOf(LedgerConflictError);
    expect(failure).toMatchObject({ sqlstate: code, retriable: true });
  });

  it.each(['22003', '22P02', '23505', '23503', '23514', '54000'])('%s: the ledger refuses the command’s data; dead-lettered with the reason', (code) => {
    const failure = decisionFailureOf(pgError(code));
    expect(failure).toBeInstanceOf(LedgerRefusedDataError);
    expect(failure?.message).toBe(`the ledger refused the command's data (PostgreSQL ${code}): PostgreSQL says ${code}`);
  });

  it.each(['08006', '57P01', '53300', '40000', '42P01', 'XX000', 'ECONNRESET'])('%s: neither; the loop hands it on as it came', (code) => {
    expect(decisionFailureOf(pgError(code))).toBeNull();
  });

  it('a fence is its own error', () => {
    const fenced = new FencedError('t', 0, 1, 2);
    expect(decisionFailureOf(fenced)).toBe(fenced);
  });
});
