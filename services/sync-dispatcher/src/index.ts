/** For importers (other services' tests, the test harness): what this service lets others use. Starting it is `main.ts`. */
export { dispatcherConfig, type DispatcherConfig } from './config';
export { syncMigrations } from './store/migrations';
export { DISPATCHER_NODE_OPTIONS } from './node-options';
