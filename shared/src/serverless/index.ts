export * from './provider';
export * from './resources';
