/**
 * Progress on long work. On a TTY one line redraws in place; elsewhere (CI, pipes) each
 * event is a plain line, so logs stay readable.
 */
export interface Progress {
  start(totalSamples: number, totalCells: number): void;
  sample(label: string): void;
  cellDone(label: string, status: string, detail: string): void;
  note(message: string): void;
  finish(): void;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${Math.round(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}

export function createProgress(stream: NodeJS.WriteStream = process.stdout, quiet = false): Progress {
  const tty = Boolean(stream.isTTY) && !quiet;
  let total = 0;
  let cells = 0;
  let done = 0;
  let cellsDone = 0;
  let startedAt = Date.now();
  let lineShown = false;
  const clear = () => {
    if (tty && lineShown) {
      stream.write('\r\x1b[2K');
      lineShown = false;
    }
  };
  const draw = (label: string) => {
    if (!tty) return;
    const width = 24;
    const fraction = total ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * width);
    const elapsed = (Date.now() - startedAt) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : Number.NaN;
    const columns = stream.columns ?? 100;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} runs · ${cellsDone}/${cells} cells · ETA ${formatSeconds(eta)} · ${label}`;
    stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
    lineShown = true;
  };
  return {
    start(totalSamples, totalCells) {
      total = totalSamples;
      cells = totalCells;
      startedAt = Date.now();
      if (!quiet) stream.write(`planned ${totalCells} cells, ${totalSamples} runs (warm-up included)\n`);
    },
    sample(label) {
      done++;
      draw(label);
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
