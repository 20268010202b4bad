export * from './schema';
export * from './parse';
export * from './cache';
export * from './enrich';
export * from './settings';
