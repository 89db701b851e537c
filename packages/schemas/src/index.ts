export * from './topics';
export * from './avro-files';
