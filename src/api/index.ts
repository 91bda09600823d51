export * from './errors';
export * from './events';
export * from './sidecar';
export type * from './types';
