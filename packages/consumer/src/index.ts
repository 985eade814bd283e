export * from './service-api';
export * from './service-function';
export * from './service-monitoring';
export * from './service-platform';
export * from './service-queue-worker';
export * from './service-schedule';
export * from './service-stack';
export * from './service-stream-consumer';
