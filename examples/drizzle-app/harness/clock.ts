/**
 * Freezes the JS clock: `new Date()` (no arguments) and `Date.now()` return a
 * fixed instant, so app code that stamps `updatedAt: new Date()` produces the
 * same rows on every run. Dates built from explicit arguments are unaffected.
 */
export const FROZEN_NOW_ISO = '2026-11-22T12:00:00.000Z';

let installed = false;

export function freezeClock(iso: string = FROZEN_NOW_ISO): void {
  if (installed) {
    return;
  }
  installed = true;

  const RealDate = globalThis.Date;
  const fixed = RealDate.parse(iso);

  class FrozenDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) {
        super(fixed);
      } else {
        super(...(args as [string | number | Date]));
      }
    }

    static override now(): number {
      return fixed;
    }

    // Dates created by native code (or before the clock was frozen) are still Dates.
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof RealDate;
    }
  }

  globalThis.Date = FrozenDate as DateConstructor;
}
