/**
 * Per-file download progress: bytes, rate and ETA on one line redrawn in place on a terminal, at
 * most five times a second. Elsewhere (CI logs, pipes) it stays quiet: the caller prints one line
 * when a file starts and one when it is done.
 */

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 90) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}

/** One progress line: "label  45.2/138.0 MB · 12.3 MB/s · ETA 8s". The rate counts this session's bytes only. */
export function progressLine(label: string, received: number, total: number | null, startedWith: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? ((received - startedWith) / elapsedMs) * 1000 : 0;
  const size = total !== null ? `${megabytes(received)}/${megabytes(total)}` : megabytes(received);
  const eta = total !== null && rate > 0 ? duration((total - received) / rate) : '?';
  return `${label}  ${size} · ${megabytes(rate)}/s · ETA ${eta}`;
}

export interface FileProgress {
  onBytes(received: number, total: number | null): void;
  /** Clears the live line (the caller then prints its own summary). */
  end(): void;
}

export function fileProgress(label: string, startedWith: number, stream: NodeJS.WriteStream | undefined): FileProgress {
  const live = stream && stream.isTTY ? stream : undefined;
  const startedAt = Date.now();
  let lastDrawn = 0;
  let shown = false;
  return {
    onBytes(received, total) {
      if (!live) return;
      const now = Date.now();
      if (now - lastDrawn < 200 && (total === null || received < total)) return;
      lastDrawn = now;
      const columns = live.columns ?? 100;
      live.write(`\r\x1b[2K${progressLine(label, received, total, startedWith, now - startedAt).slice(0, columns - 1)}`);
      shown = true;
    },
    end() {
      if (live && shown) live.write('\r\x1b[2K');
      shown = false;
    },
  };
}
