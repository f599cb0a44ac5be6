import { environmentFingerprint, thermalSnapshot } from '../measure/environment.js';

export function envCommand(): number {
  console.log(JSON.stringify({ ...environmentFingerprint(), thermal: thermalSnapshot() }, null, 2));
  return 0;
}
