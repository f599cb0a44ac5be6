/** Per-file download progress: bytes, rate and ETA on a terminal; nothing in logs and pipes. */
import { describe, expect, it } from 'vitest';
import { fileProgress, progressLine } from '../src/models/download-progress.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, columns: 120, written, write: (chunk: string) => (written.push(chunk), true) } as unknown as NodeJS.WriteStream & { written: string[] };
}

describe('download progress', () => {
  it('shows bytes, the rate of this session and the ETA', () => {
    // 10 MB of a 100 MB file in 2 s, 20 MB of which were already on disk from an earlier run.
    expect(progressLine('onnx/x.onnx [1/3]', 30e6, 100e6, 20e6, 2000)).toBe('onnx/x.onnx [1/3]  30.0 MB/100.0 MB · 5.0 MB/s · ETA 14s');
    expect(progressLine('config.json', 1e6, null, 0, 1000)).toBe('config.json  1.0 MB · 1.0 MB/s · ETA ?');
  });

  it('redraws one line on a terminal and clears it at the end', () => {
    const tty = fakeStream(true);
    const progress = fileProgress('big.onnx', 0, tty);
    progress.onBytes(50, 100);
    progress.onBytes(100, 100);
    progress.end();
    expect(tty.written.length).toBeGreaterThanOrEqual(2);
    expect(tty.written[0]).toMatch(/^\r\x1b\[2Kbig\.onnx {2}0\.0 MB\/0\.0 MB/);
    expect(tty.written.at(-1)).toBe('\r\x1b[2K');
  });

  it('is quiet when the output is not a terminal', () => {
    const pipe = fakeStream(false);
    const progress = fileProgress('big.onnx', 0, pipe);
    progress.onBytes(50, 100);
    progress.end();
    expect(pipe.written).toEqual([]);
  });
});
