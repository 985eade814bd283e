export * from './environments';
export * from './naming';
export * from './observability';
export * from './parameters';
export * from './routes';
export * from './tags';
export * from './version';
export * from './well-known-names';
