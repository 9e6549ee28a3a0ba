/**
 * Time source for every decision. Injected everywhere time matters so that replay, tests
 * and the simulator run on virtual time (DESIGN.md "A Clock is injected everywhere").
 */
export interface Clock {
  /** Wall-clock time, epoch milliseconds. Decisions (dates, windows) use this. */
  now(): number;
}
