export * from './provider';
export * from './resources';
export * from './alarms';
export * from './intrinsics';
export * from './device-policy';
