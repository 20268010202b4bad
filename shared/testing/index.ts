export * from './package';
export * from './spec';
export * from './template';
export * from './zip';
export * from './lambda-context';
export * from './invoke-local';
export * from './audit';
export * from './resource-wildcards';
