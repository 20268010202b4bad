import type { RunSummary } from '../cloud/accounting';

const count = (value: number): string => value.toLocaleString('en-US');

/** The injected faults, one line each: how many, how many the pipeline resolved, and how. */
export const faultLines = (summary: RunSummary): string[] => {
  const { faults } = summary;
  if (!faults) return [];
  const kinds = Object.entries(faults.kinds);
  const width = Math.max(...kinds.map(([kind]) => kind.length));
  const exhausted = faults.exhaustedRecords.devices + faults.exhaustedRecords.kafka;
  return [
    '',
    `Injected faults (seed "${faults.seed}", rate ${faults.rate}): injected / resolved, and how`,
    ...kinds.map(([kind, { injected, resolved, how }]) =>
      kind === 'transform-exhausted'
        ? `  ${kind.padEnd(width)}  ${count(injected).padStart(6)}          ${how}`
        : `  ${kind.padEnd(width)}  ${count(injected).padStart(6)} / ${count(resolved).padEnd(6)} ${how}`,
    ),
    ...(exhausted > 0
      ? [
          `  (exhausted: ${count(faults.exhaustedRecords.devices)} device and ${count(faults.exhaustedRecords.kafka)} Kafka records)`,
        ]
      : []),
  ];
};
