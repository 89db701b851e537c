/** For importers (other services' tests, the test harness): what this service lets others use. Starting it is `main.ts`. */
export { escalationConfig, type EscalationConfig } from './config';
export { escalationMigrations } from './store/migrations';
