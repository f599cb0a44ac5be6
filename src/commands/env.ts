import { environmentFingerprint, thermalSnapshot } from '../measure/environment.js';
import { measureBandwidth } from '../measure/bandwidth.js';

export async function envCommand(flags: { bandwidth?: boolean } = {}): Promise<number> {
  const memoryBandwidth = flags.bandwidth ? await measureBandwidth() : undefined;
  console.log(JSON.stringify({ ...environmentFingerprint(), thermal: thermalSnapshot(), ...(memoryBandwidth ? { memoryBandwidth } : {}) }, null, 2));
  return 0;
}
