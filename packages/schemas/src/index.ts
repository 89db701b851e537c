export * from './topics';
export * from './avro-files';
export * from './samples';
export * from './generated/records';
export * from './wire';
