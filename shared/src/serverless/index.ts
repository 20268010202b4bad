export * from './provider';
export * from './resources';
export * from './alarms';
export * from './intrinsics';
export * from './params';
export * from './warehouse-params';
export * from './device-policy';
export * from './stage-config';
