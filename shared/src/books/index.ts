export * from './accounts';
export * from './render';
export * from './sources';
export * from './stage';
export * from './stage-render';
