export * from './table';
export * from './ddl';
export * from './port';
export * from './load';
export * from './postgres';
export * from './once-per-statement';
export * from './lookup';
export * from './select';
