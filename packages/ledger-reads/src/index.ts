/**
 * The read side of the booking-arbiter's ledger for the services that need it (ingest's PMS API,
 * the reconciler). Read-only, and only of what the arbiter has committed: the arbiter stays the
 * single writer, and its migrations own the tables. No other module names them
 * (tests/sql-ownership.test.ts).
 */
export { holdersOfNights, holdingStays, readLedger, stayByKey, staysChangedSince, type HolderRecord, type LedgerView, type StayRecord } from './stays';
export { decisionOf, decisionsOf, type DecisionHistoryRecord, type DecisionRecord } from './decisions';
export { auditOfStay, auditOfTenant, type AuditFilter, type AuditRecord } from './audit';
