/**
 * Images the harness prepares before any timed run, so that every vision engine gets the same
 * bytes for a budget that needs them: under `--image-budget single`, each fixture padded to a
 * centred white square (aspect ratio kept, never squashed) at the side of one frame. llama.cpp
 * cannot be told to keep one frame, but given an image that is one frame it slices it once.
 *
 * The files go under the run's own folder, named by the fixture's sha256 (never by its id, which
 * is input), and are made once per run and frame side.
 */
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Size } from '../engines/image-budget.js';

export interface FedImage {
  imagePath: string;
  /** Absent only when the image could not be checked (its cells then fail before any run). */
  imageSize?: Size;
  /** The fixture's own size when the harness prepared the image. */
  preparedFrom?: Size;
}

export class PreparedImages {
  private readonly made = new Map<string, Promise<string>>();

  constructor(private readonly dir: string) {}

  /** The single-budget image of a fixture: a `side`×`side` PNG, made once. */
  single(fixture: { imagePath: string; sha256: string }, side: number): Promise<string> {
    if (!/^[0-9a-f]{64}$/i.test(fixture.sha256) || !Number.isInteger(side) || side <= 0) throw new Error(`internal: cannot prepare ${fixture.imagePath} at ${side}`);
    const path = join(this.dir, `${fixture.sha256.toLowerCase()}-single-${side}.png`);
    let pending = this.made.get(path);
    if (!pending) {
      pending = makeSingle(fixture.imagePath, path, side);
      this.made.set(path, pending);
    }
    return pending;
  }
}

async function makeSingle(source: string, path: string, side: number): Promise<string> {
  try {
    await stat(path);
    return path;
  } catch {
    // Not made yet (a resumed run finds the first part's files).
  }
  await mkdir(join(path, '..'), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  await sharp(source)
    .flatten({ background: '#ffffff' })
    .resize({ width: side, height: side, fit: 'contain', background: '#ffffff', kernel: 'lanczos3' })
    .png({ compressionLevel: 6 })
    .toFile(temporary);
  await rename(temporary, path);
  return path;
}
