/**
 * Time as the simulators see it. Every simulator reads `now()` from one shared clock, so a test
 * (or the local run) decides when buffers flush, visibility timeouts expire and windows close,
 * and nothing ever sleeps in real time.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** The earlier of a due time that may be unknown and another: for `nextDueAt` without arrays. */
export const earliest = (at: number | undefined, other: number): number =>
  at === undefined || other < at ? other : at;

/** The wall clock, for a local run that streams in real time (`--keep-running`). */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: deterministic tests and fast simulated runs. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward by `ms` (never backwards: AWS clocks do not rewind). */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    this.#now += ms;
    return this.#now;
  }

  /** Moves time forward to `epochMs`; earlier instants are ignored. */
  advanceTo(epochMs: number): number {
    if (epochMs > this.#now) this.#now = epochMs;
    return this.#now;
  }
}
