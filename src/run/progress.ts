/**
 * Progress on long work. On a TTY one line redraws in place; elsewhere (CI, pipes) each
 * event is a plain line, so logs stay readable.
 *
 * The count is of what will run: every cell's warm-up and counted runs plus each host's
 * warm-up after its load (plan.ts plannedRuns). Where a fixture runs more or fewer than
 * planned (a restart after a crash adds a host warm-up, --min-time adds runs, a failure ends
 * a cell early), the total is corrected when the fixture ends, and in between the count never
 * passes the total and the ETA is never negative.
 */
export interface Progress {
  start(totalRuns: number, totalCells: number): void;
  sample(label: string): void;
  /** A fixture's runs begin: how many runs it is expected to make over every host. */
  fixtureStart(plannedRuns: number): void;
  /** The fixture is done: the total is corrected by what it really ran. */
  fixtureEnd(): void;
  /** Planned work that will not run after all (performance rounds a pass stopped before). */
  drop(runs: number, cells: number): void;
  cellDone(label: string, status: string, detail: string): void;
  note(message: string): void;
  finish(): void;
}

/** Whole seconds, or minutes and seconds from 90 s on; rounded once, so never "3m60s". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const whole = Math.round(seconds);
  if (whole < 90) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/** Seconds left at the pace so far; NaN before the first run. Never negative. */
export function etaSeconds(elapsedSeconds: number, done: number, total: number): number {
  if (done <= 0) return Number.NaN;
  return (elapsedSeconds / done) * Math.max(0, total - done);
}

export function createProgress(stream: NodeJS.WriteStream = process.stdout, quiet = false): Progress {
  const tty = Boolean(stream.isTTY) && !quiet;
  let total = 0;
  let cells = 0;
  let done = 0;
  let cellsDone = 0;
  let startedAt = Date.now();
  let lineShown = false;
  let fixture: { planned: number; doneBefore: number } | null = null;
  const clear = () => {
    if (tty && lineShown) {
      stream.write('\r\x1b[2K');
      lineShown = false;
    }
  };
  const draw = (label: string) => {
    if (!tty) return;
    const width = 24;
    // A fixture that runs more than planned shows the total catching up, not a count past it.
    const shownTotal = Math.max(total, done);
    const fraction = shownTotal ? Math.min(1, done / shownTotal) : 0;
    const filled = Math.round(fraction * width);
    const eta = etaSeconds((Date.now() - startedAt) / 1000, done, shownTotal);
    const columns = stream.columns ?? 100;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${shownTotal} runs · ${cellsDone}/${cells} cells · ETA ${formatSeconds(eta)} · ${label}`;
    stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
    lineShown = true;
  };
  return {
    start(totalRuns, totalCells) {
      total = totalRuns;
      cells = totalCells;
      startedAt = Date.now();
      if (!quiet) stream.write(`planned ${totalCells} cells, ${totalRuns} runs (warm-ups included)\n`);
    },
    sample(label) {
      done++;
      draw(label);
    },
    fixtureStart(plannedRuns) {
      fixture = { planned: plannedRuns, doneBefore: done };
    },
    fixtureEnd() {
      if (!fixture) return;
      total += done - fixture.doneBefore - fixture.planned;
      fixture = null;
    },
    drop(runs, droppedCells) {
      total = Math.max(done, total - runs);
      cells = Math.max(cellsDone, cells - droppedCells);
    },
    cellDone(label, status, detail) {
      cellsDone++;
      if (quiet) return;
      clear();
      stream.write(`[${cellsDone}/${cells}] ${status.padEnd(11)} ${label}${detail ? ` · ${detail}` : ''}\n`);
      draw(label);
    },
    note(message) {
      if (quiet) return;
      clear();
      stream.write(`${message}\n`);
    },
    finish() {
      clear();
    },
  };
}
