/** Monotonic milliseconds with sub-ms resolution; wall clock is never used for durations. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function isoNow(): string {
  return new Date().toISOString();
}
