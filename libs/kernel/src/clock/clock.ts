/** The one source of time. Backtests inject a TestClock driven by the data; live uses the wall clock. */
export abstract class Clock {
  abstract now(): number;
}

export class LiveClock extends Clock {
  now(): number {
    return Date.now();
  }
}

export class ClockError extends Error {
  readonly code = 'CLOCK.BACKWARDS';
}

/** Time set by the caller; refuses to move backwards so event time is monotonic. */
export class TestClock extends Clock {
  private current: number;
  constructor(start = 0) {
    super();
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  advanceTo(ts: number): void {
    if (ts < this.current) throw new ClockError(`clock cannot move backwards: ${ts} < ${this.current}`);
    this.current = ts;
  }
}
