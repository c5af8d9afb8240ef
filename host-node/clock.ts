/** The host clock as the image's clock_ms import gives it: monotonic ms, wrapping at 2^32. */
export const hostClockMs = (): number => Number(process.hrtime.bigint() / 1_000_000n) >>> 0;
