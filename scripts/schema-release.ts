// Writes the current schema contract as the released snapshot (docs/SCHEMA.md, "Releasing").
// Run it when a schema change ships; the schema gate test compares later changes with it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'prettier';
import { checkSchemaGate, currentSchemaContract } from '@pipeline/shared';
import { RELEASED_SCHEMA_PATH, readReleasedSchema, writtenMigrations } from '../shared/schema/released';

const current = currentSchemaContract();
const { changes, problems } = checkSchemaGate(readReleasedSchema(), current, writtenMigrations());
for (const { kind, subject, detail } of changes) console.log(`${kind}: ${subject}: ${detail}`);
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
// Formatted as `npm run lint` expects it.
void format(JSON.stringify(current), { parser: 'json' }).then((json) => {
  writeFileSync(RELEASED_SCHEMA_PATH, json);
  console.log(`wrote ${path.relative(process.cwd(), RELEASED_SCHEMA_PATH)} (version ${current.version})`);
});
