// The device registry's adapters and wiring, a separate entry point (`@pipeline/shared/registry`)
// so the main entry (schemas, the pure registry module and its settings) never pulls the SDK into
// a bundle.
export * from './registry-source';
export * from './registry-cache';
