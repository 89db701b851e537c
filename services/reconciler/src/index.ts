/** For importers (other services' tests, the test harness): what this service lets others use. Starting it is `main.ts`. */
export { reconcilerConfig, type ReconcilerConfig } from './config';
export { reconcileMigrations } from './store/migrations';
export { RECONCILER_NODE_OPTIONS } from './node-options';
