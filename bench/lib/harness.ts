import { cpus, freemem, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A piece of work to time. A returned promise (a Lambda handler) is awaited inside the timing. */
export type Task = () => unknown;

const MB = 1024 * 1024;

export const megabytes = (bytes: number): string => (bytes / MB).toFixed(2);

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

// A full collection before every sample, so one variant does not pay for the garbage of the
// previous one. Enabled at runtime so the script needs no `--expose-gc` flag.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Runs every task `warmups` times (untimed, so the JIT has compiled them), then `rounds` timed
 * rounds, alternating the order (A B C, C B A, ...) so drift in machine load or heap state does not
 * favour one task. Returns each task's samples in milliseconds.
 */
export const interleave = async <K extends string>(
  tasks: Record<K, Task>,
  { warmups, rounds }: { warmups: number; rounds: number },
): Promise<Record<K, number[]>> => {
  const names = Object.keys(tasks) as K[];
  for (let warmup = 0; warmup < warmups; warmup += 1) {
    for (const name of names) await tasks[name]();
  }
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round += 1) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      collectGarbage();
      const start = performance.now();
      await tasks[name]();
      samples[name].push(performance.now() - start);
    }
  }
  return samples;
};

/**
 * Swaps `process.stdout.write`/`process.stderr.write` for sinks that only count bytes. Powertools
 * Logger and Metrics write through `Console` instances bound to these stream objects, so every log
 * line and EMF blob is still built and serialised (their real cost) but never reaches the terminal
 * or a pipe, whose speed has nothing to do with Lambda's. Returns a function that restores them
 * and reports the bytes swallowed.
 */
export const silenceOutput = (): (() => { stdout: number; stderr: number }) => {
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  const counted = { stdout: 0, stderr: 0 };
  const sink =
    (stream: 'stdout' | 'stderr') =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      counted[stream] += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
      if (callback) process.nextTick(callback);
      return true;
    };
  process.stdout.write = sink('stdout') as typeof process.stdout.write;
  process.stderr.write = sink('stderr') as typeof process.stderr.write;
  return () => {
    process.stdout.write = original.stdout;
    process.stderr.write = original.stderr;
    return counted;
  };
};

export const machine = (): string => {
  const cpu = cpus();
  return [
    `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'})`,
    `${(totalmem() / 1024 ** 3).toFixed(1)} GiB memory (${(freemem() / 1024 ** 3).toFixed(1)} GiB free)`,
    `Node ${process.version} on ${process.platform}/${process.arch}`,
  ].join(', ');
};

/** A Markdown table, aligned for the terminal too: numeric columns right, text columns left. */
export const table = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const numeric = header.map((_, column) => rows.every((row) => /^[-\d.,]+$/.test(row[column] ?? '')));
  const line = (cells: readonly string[]): string =>
    `| ${cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join(' | ')} |`;
  const rule = `|${widths.map((width, column) => `${'-'.repeat(width + 1)}${numeric[column] ? ':' : '-'}`).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
};
