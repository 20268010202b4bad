export * from './invoke-stage-local';
export * from './pglite';
