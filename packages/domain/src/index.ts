export * from './stay-dates';
