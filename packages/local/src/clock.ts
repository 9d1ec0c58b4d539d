/** The stack's clock: the base clock plus an offset tests can move forward. */
export interface LocalClock {
  /** Now, in epoch milliseconds, including every `advance`. */
  now(): number;
  /** Moves the clock forward by `ms` (session, code and token expiry, the throttle). */
  advance(ms: number): void;
}

/** A clock over `base` whose `advance` shifts every reading that follows. */
export function createClock(base: () => number): LocalClock {
  let offset = 0;
  return {
    now: () => base() + offset,
    advance(ms: number) {
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        throw new RangeError("clock.advance(ms) needs a finite, non-negative number");
      }
      offset += ms;
    },
  };
}
