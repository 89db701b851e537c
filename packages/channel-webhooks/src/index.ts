export * from './payload';
export * from './statuses';
export * from './signature';
