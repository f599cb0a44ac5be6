/**
 * The environment fingerprint: enough to say whether two runs are comparable,
 * gathered by vlmbench itself (QVAC's own hardware collectors are stand-ins here).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../results/schema.js';

export const REPO_ROOT = (() => {
  // Works from src/ (vitest) and dist/src/ (compiled): walk up to the package.json named vlmbench.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'vlmbench') return dir;
      } catch {
        // keep walking
      }
    }
    dir = dirname(dir);
  }
  return process.cwd();
})();

/** vlmbench's own version, from its package.json (recorded in every results file). */
export const TOOL_VERSION: string = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

function run(command: string, args: string[], cwd?: string): string | null {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return null;
  }
}

export function packageVersion(name: string): string | null {
  const text = readText(join(REPO_ROOT, 'node_modules', name, 'package.json'));
  if (!text) return null;
  try {
    return (JSON.parse(text) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

const FINGERPRINT_PACKAGES = [
  '@huggingface/transformers',
  'onnxruntime-node',
  'onnxruntime-web',
  '@qvac/sdk',
  '@qvac/llm-llamacpp',
  '@qvac/ocr-ggml',
  'bare-runtime-linux-x64',
  'tesseract.js',
  'tesseract.js-core',
  'sharp',
  'zod',
  'playwright-core',
];

function cpuFlags(): string[] {
  const cpuinfo = readText('/proc/cpuinfo');
  if (!cpuinfo) return [];
  const line = /^(flags|Features)\s*:\s*(.*)$/m.exec(cpuinfo);
  const all = new Set((line?.[2] ?? '').split(/\s+/));
  const interesting = ['avx', 'avx2', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni', 'fma', 'f16c', 'sse4_2', 'amx_tile', 'neon', 'asimd', 'asimddp', 'sve'];
  return interesting.filter((flag) => all.has(flag));
}

function physicalCores(): number | null {
  const cpuinfo = readText('/proc/cpuinfo');
  if (!cpuinfo) return null;
  const pairs = new Set<string>();
  let physical = '0';
  for (const line of cpuinfo.split('\n')) {
    const [key, value] = line.split(':').map((part) => part.trim());
    if (key === 'physical id') physical = value ?? '0';
    if (key === 'core id') pairs.add(`${physical}:${value}`);
  }
  return pairs.size > 0 ? pairs.size : null;
}

/** The number of threads engines get by default: physical cores (never more than logical). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(physicalCores() ?? os.cpus().length, os.cpus().length));
}

function gpus(): Environment['gpu'] {
  const found: Environment['gpu'] = [];
  const smi = run('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader,nounits']);
  if (smi) {
    for (const line of smi.split('\n')) {
      const [name, driver, memory] = line.split(',').map((part) => part.trim());
      if (name) found.push({ name, driver, memoryBytes: memory ? Number(memory) * 1024 * 1024 : undefined, source: 'nvidia-smi' });
    }
  }
  if (found.length === 0) {
    const vulkan = run('vulkaninfo', ['--summary']);
    if (vulkan) {
      for (const match of vulkan.matchAll(/deviceName\s*=\s*(.+)/g)) found.push({ name: (match[1] ?? '').trim(), source: 'vulkaninfo' });
    }
  }
  if (found.length === 0) {
    try {
      for (const card of readdirSync('/sys/class/drm')) {
        if (!/^card\d+$/.test(card)) continue;
        const vendor = readText(`/sys/class/drm/${card}/device/vendor`);
        const device = readText(`/sys/class/drm/${card}/device/device`);
        if (vendor) found.push({ name: `pci ${vendor}:${device ?? '?'}`, source: '/sys/class/drm' });
      }
    } catch {
      // no DRM devices: no GPU visible
    }
  }
  return found;
}

export interface ThermalSnapshot {
  at: string;
  governors: string[];
  frequenciesKHz: number[];
  temperaturesC: Record<string, number>;
}

/** CPU governor, current frequencies and temperatures where /sys exposes them. */
export function thermalSnapshot(): ThermalSnapshot {
  const governors = new Set<string>();
  const frequencies: number[] = [];
  try {
    for (const cpu of readdirSync('/sys/devices/system/cpu').filter((name) => /^cpu\d+$/.test(name))) {
      const governor = readText(`/sys/devices/system/cpu/${cpu}/cpufreq/scaling_governor`);
      if (governor) governors.add(governor);
      const frequency = readText(`/sys/devices/system/cpu/${cpu}/cpufreq/scaling_cur_freq`);
      if (frequency) frequencies.push(Number(frequency));
    }
  } catch {
    // no cpufreq on this machine (common in VMs)
  }
  const temperatures: Record<string, number> = {};
  try {
    for (const zone of readdirSync('/sys/class/thermal').filter((name) => name.startsWith('thermal_zone'))) {
      const type = readText(`/sys/class/thermal/${zone}/type`) ?? zone;
      const milli = readText(`/sys/class/thermal/${zone}/temp`);
      if (milli) temperatures[`${zone}:${type}`] = Number(milli) / 1000;
    }
  } catch {
    // no thermal zones exposed
  }
  if (frequencies.length === 0) {
    for (const cpu of os.cpus()) if (cpu.speed) frequencies.push(cpu.speed * 1000);
  }
  return { at: new Date().toISOString(), governors: [...governors], frequenciesKHz: frequencies, temperaturesC: temperatures };
}

/** Warnings when governor, frequency (>10%) or temperature (>10 °C) moved between two snapshots. */
export function thermalDrift(start: ThermalSnapshot, end: ThermalSnapshot): string[] {
  const warnings: string[] = [];
  if (start.governors.join(',') !== end.governors.join(',')) warnings.push(`CPU governor changed during the run: ${start.governors.join(',')} → ${end.governors.join(',')}`);
  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
  const f0 = mean(start.frequenciesKHz);
  const f1 = mean(end.frequenciesKHz);
  if (f0 > 0 && Math.abs(f1 - f0) / f0 > 0.1) warnings.push(`mean CPU frequency moved ${(f0 / 1000).toFixed(0)} → ${(f1 / 1000).toFixed(0)} MHz during the run`);
  for (const [zone, t0] of Object.entries(start.temperaturesC)) {
    const t1 = end.temperaturesC[zone];
    if (t1 !== undefined && Math.abs(t1 - t0) > 10) warnings.push(`temperature ${zone} moved ${t0.toFixed(0)} → ${t1.toFixed(0)} °C during the run`);
  }
  return warnings;
}

export function gitState(): Environment['git'] {
  const commit = run('git', ['rev-parse', 'HEAD'], REPO_ROOT);
  const status = commit ? run('git', ['status', '--porcelain', '--untracked-files=no'], REPO_ROOT) : null;
  return { commit, dirty: status === null ? null : status.length > 0 };
}

export function environmentFingerprint(): Environment {
  const cpus = os.cpus();
  const packages: Record<string, string> = {};
  for (const name of FINGERPRINT_PACKAGES) {
    const version = packageVersion(name);
    if (version) packages[name] = version;
  }
  const osRelease = readText('/etc/os-release');
  const distro = osRelease ? /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] : undefined;
  const thermal = thermalSnapshot();
  return {
    hostname: os.hostname(),
    os: { platform: process.platform, release: os.release(), arch: process.arch, kernel: os.version(), distro },
    cpu: {
      model: cpus[0]?.model.trim() ?? 'unknown',
      logicalCores: cpus.length,
      physicalCores: physicalCores(),
      flags: cpuFlags(),
      governor: thermal.governors[0] ?? null,
    },
    memoryBytes: os.totalmem(),
    gpu: gpus(),
    node: process.version,
    packages,
    git: gitState(),
  };
}
