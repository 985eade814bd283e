export * from './service-api';
export * from './service-function';
export * from './service-platform';
export * from './service-stack';
