/**
 * Installed size of an engine's own dependency closure: start at the engine's package in
 * node_modules, follow `dependencies` and `optionalDependencies` of every package.json,
 * resolving each name as Node does (the package's own node_modules, then each parent's).
 */
import { lstat, open, readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../engines/engine.js';
import type { InstallFootprint } from './schema.js';

const TOP_NATIVE_FILES = 8;
const PLATFORM_TAG = /^(linux|darwin|win32|android|ios|freebsd|openbsd)-(x64|arm64|arm|ia32|x86|riscv64|ppc64|s390x)(?:-.*)?$/;
const NATIVE_EXTENSION = /\.(node|bare|wasm|dylib|dll)$|\.so(\.\d+)*$/;

export const INSTALL_METHOD =
  "Closure of the engine's package: dependencies + optionalDependencies of each package.json, resolved as Node does " +
  "(<pkg>/node_modules, then each parent's node_modules up to the repository root); absent optional packages are skipped. " +
  'bytes = apparent size (as `du -sb`) of every file, symlink and directory inside each package folder, nested node_modules excluded ' +
  '(a nested package counts only if it is in the closure), hard links once. A package shared by several engines counts in full for each of them. ' +
  'nativeBytes = files for this platform that are native code: *.node, *.bare, *.so*, *.dylib, *.dll, *.wasm and ELF/Mach-O/PE executables under bin/; ' +
  'files under a <platform>-<arch> or <platform>/<arch> folder for another platform, *.dll off Windows and *.dylib off macOS are left out.';

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

async function readPackageJson(dir: string): Promise<PackageJson | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return null;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory() || (await readPackageJson(path)) !== null;
  } catch {
    return false;
  }
}

/** Node's lookup: <from>/node_modules/<name>, then the same in every parent up to the root. */
async function resolvePackageDir(name: string, fromDir: string, rootDir: string): Promise<string | null> {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (await isDirectory(candidate)) return candidate;
    if (dir === rootDir || dirname(dir) === dir) return null;
    dir = dirname(dir);
  }
}

const PLATFORM_NAME = /^(linux|darwin|win32|android|ios|freebsd|openbsd)$/;
const ARCH_NAME = /^(x64|arm64|arm|ia32|x86|riscv64|ppc64|s390x)$/;

/** The platform a path is built for: a `linux-x64` segment, or `linux/x64` (onnxruntime-node's layout). */
function platformOf(relativePath: string): string | null {
  const segments = relativePath.split(sep);
  for (const [index, segment] of segments.entries()) {
    const match = PLATFORM_TAG.exec(segment);
    if (match) return `${match[1]}-${match[2]}`;
    const next = segments[index + 1];
    if (PLATFORM_NAME.test(segment) && next !== undefined && ARCH_NAME.test(next)) return `${segment}-${next}`;
  }
  return null;
}

async function isExecutableBinary(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead < 2) return false;
    const elf = buffer[0] === 0x7f && buffer.toString('latin1', 1, 4) === 'ELF';
    const machO = [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(buffer.readUInt32BE(0));
    const pe = buffer.toString('latin1', 0, 2) === 'MZ';
    return elf || machO || pe;
  } finally {
    await handle.close();
  }
}

/** Whether a file is native code for this platform (see INSTALL_METHOD). */
async function isNativeForThisPlatform(path: string, packageRelative: string): Promise<boolean> {
  const here = `${process.platform}-${process.arch}`;
  const tagged = platformOf(packageRelative);
  if (tagged !== null && tagged !== here) return false;
  if (/\.dll$/.test(path) && process.platform !== 'win32') return false;
  if (/\.dylib$/.test(path) && process.platform !== 'darwin') return false;
  if (NATIVE_EXTENSION.test(path)) return true;
  const inBin = packageRelative.split(sep).includes('bin');
  return inBin && !/\.[A-Za-z0-9]+$/.test(path) && (await isExecutableBinary(path));
}

interface Tally {
  bytes: number;
  nativeBytes: number;
  nativeFiles: Array<{ path: string; bytes: number }>;
  seenInodes: Set<string>;
}

/** Adds one folder's entries (not its nested node_modules) to the tally. */
async function tallyFolder(dir: string, packageRoot: string, repoRoot: string, tally: Tally): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name === 'node_modules') continue;
    const stats = await lstat(path);
    const inode = `${stats.dev}:${stats.ino}`;
    if (stats.nlink > 1 && tally.seenInodes.has(inode)) continue;
    tally.seenInodes.add(inode);
    tally.bytes += stats.size;
    if (stats.isDirectory()) {
      await tallyFolder(path, packageRoot, repoRoot, tally);
    } else if (stats.isFile() && (await isNativeForThisPlatform(path, relative(packageRoot, path)))) {
      tally.nativeBytes += stats.size;
      tally.nativeFiles.push({ path: relative(repoRoot, path), bytes: stats.size });
    }
  }
}

/** Apparent bytes of a folder tree as `du -sb` counts them (the folder itself included). */
export async function apparentBytes(dir: string): Promise<number> {
  const tally: Tally = { bytes: (await lstat(dir)).size, nativeBytes: 0, nativeFiles: [], seenInodes: new Set() };
  await tallyFolder(dir, dir, dir, tally);
  return tally.bytes;
}

/** The package folders of a package's dependency closure, the package itself first. */
export async function dependencyClosure(packageName: string, repoRoot: string): Promise<string[]> {
  const root = resolve(repoRoot);
  const start = await resolvePackageDir(packageName, root, root);
  if (!start) throw new UserError(`package "${packageName}" is not installed under ${join(root, 'node_modules')}`);
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const dir = queue.shift() as string;
    const manifest = await readPackageJson(dir);
    const names = new Set([...Object.keys(manifest?.dependencies ?? {}), ...Object.keys(manifest?.optionalDependencies ?? {})]);
    for (const name of names) {
      const found = await resolvePackageDir(name, dir, root);
      // An absent dependency is an optional one for another platform (npm skipped it) or a broken install; either way nothing is on disk.
      if (found && !seen.has(found)) {
        seen.add(found);
        queue.push(found);
      }
    }
  }
  return [...seen];
}

export async function installFootprint(packageName: string, repoRoot: string): Promise<InstallFootprint> {
  const packages = await dependencyClosure(packageName, repoRoot);
  const tally: Tally = { bytes: 0, nativeBytes: 0, nativeFiles: [], seenInodes: new Set() };
  for (const dir of packages) {
    tally.bytes += (await lstat(dir)).size;
    await tallyFolder(dir, dir, resolve(repoRoot), tally);
  }
  const version = (await readPackageJson(packages[0] as string))?.version ?? null;
  return {
    packageName,
    version,
    bytes: tally.bytes,
    packages: packages.length,
    nativeBytes: tally.nativeBytes,
    nativeFiles: tally.nativeFiles.sort((a, b) => b.bytes - a.bytes).slice(0, TOP_NATIVE_FILES),
    method: INSTALL_METHOD,
  };
}
