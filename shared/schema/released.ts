import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SchemaContract } from '../src/telemetry/schema-contract';

/** The committed contract of the released schema. */
export const RELEASED_SCHEMA_PATH = path.join(__dirname, 'released.json');

/** Where the written migrations of breaking changes live: `v<version>.md`. */
export const MIGRATIONS_DIR = path.join(__dirname, '../../docs/schema-migrations');

export const readReleasedSchema = (): SchemaContract =>
  JSON.parse(readFileSync(RELEASED_SCHEMA_PATH, 'utf8')) as SchemaContract;

/** The versions that have a written migration. */
export const writtenMigrations = (): number[] =>
  readdirSync(MIGRATIONS_DIR).flatMap((file) => {
    const match = /^v(\d+)\.md$/.exec(file);
    return match ? [Number(match[1])] : [];
  });
