// Regenerates events/*.json from the scenarios in events.ts, carrying the real state from one
// invocation to the next: `npx tsx services/analytics-sink/tests/generate-events.ts`.
// tests/events.test.ts fails when the stored events no longer match what the code produces.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EARLY_WINDOW,
  EARLY_SEGMENT,
  INVALID_RECORDS,
  WINDOW_BATCHES,
  windowEvent,
  type EventName,
} from './events';
import { chainStates } from './scenario';
import { sinkSettings } from './settings';

const write = (name: EventName, event: unknown) =>
  writeFileSync(join(__dirname, '..', 'events', `${name}.json`), `${JSON.stringify(event, null, 2)}\n`);

const states = chainStates(WINDOW_BATCHES, sinkSettings());
(['window-1-open', 'window-2-middle', 'window-3-last-batch'] as const).forEach((name, index) =>
  write(name, windowEvent({ records: WINDOW_BATCHES[index]!, state: states[index] })),
);
write('window-4-final', windowEvent({ records: [], state: states[3], final: true }));
write('window-invalid-records', windowEvent({ records: INVALID_RECORDS }));

const early = chainStates([EARLY_SEGMENT], sinkSettings(), { window: EARLY_WINDOW });
write(
  'window-terminated-early',
  windowEvent({ records: [], state: early[1], final: true, terminatedEarly: true, window: EARLY_WINDOW }),
);
