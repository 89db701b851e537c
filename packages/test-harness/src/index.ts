/**
 * The shared test harness. Importing it parses the stack's settings from the environment (as
 * `stack`); the main job, which must not need them, imports `@cm/test-harness/service-processes`.
 *
 * The multi-service worlds (`@cm/test-harness/worlds/ingest-world`, `.../dispatch-pipeline`) are
 * not exported here nor built: they import the services' packages, which the harness's build does
 * not depend on, and only tests (through jest and the root tsconfig) use them.
 */
export * from './stack';
export * from './scratch-database';
export * from './processes';
export * from './metrics';
export * from './service-processes';
export * from './webhook-receiver';
export * from './service-under-test';
export * from './test-secrets';
export * from './openapi-contract';
export * from './generic-plans';
export * from './statements';
