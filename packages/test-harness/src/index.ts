/**
 * The shared test harness. Importing it parses the stack's settings from the environment (as
 * `stack`); the main job, which must not need them, imports `@cm/test-harness/service-processes`.
 */
export * from './stack';
export * from './scratch-database';
export * from './processes';
export * from './metrics';
export * from './service-processes';
export * from './webhook-receiver';
