/** `vlmbench models make-shape <size>`: generate the shape-faithful random-weight models into the cache. */
import { UserError } from '../engines/engine.js';
import { makeShapeModels } from '../models/shape/index.js';
import { parseShapeSize } from '../models/shape/specs.js';

export async function makeShapeCommand(size: string): Promise<number> {
  let parsed;
  try {
    parsed = parseShapeSize(size);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  const parts = await makeShapeModels(parsed, { onProgress: (message) => console.log(message) });
  const total = parts.reduce((sum, part) => sum + part.bytes, 0);
  console.log(`${parsed}: ${(total / 1e6).toFixed(0)} MB in ${parts.length} folders (catalog id shape-${parsed}).`);
  console.log('Shape-faithful random weights: speed and memory are real-scale; quality is meaningless.');
  return 0;
}
