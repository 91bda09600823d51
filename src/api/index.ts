export * from './errors';
export * from './sidecar';
export type * from './types';
