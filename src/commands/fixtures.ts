/** `vlmbench fixtures …`: build, verify, list and pull fixture sets. */
import { UserError } from '../engines/engine.js';
import { BUILTIN_FIXTURES_DIR, buildBuiltinFixtures, checkImage, loadManifest } from '../fixtures/manifest.js';

export async function buildFixturesCommand(flags: { out?: string }): Promise<number> {
  const out = flags.out ?? BUILTIN_FIXTURES_DIR;
  const built = await buildBuiltinFixtures(out);
  console.log(`built ${built.items} fixtures into ${out}`);
  return 0;
}

export async function verifyFixturesCommand(dir?: string): Promise<number> {
  const manifest = await loadManifest(dir ?? BUILTIN_FIXTURES_DIR, { allowUnknownCategories: dir !== undefined });
  // Right bytes are not enough: an image whose hash matches may still not decode (truncated when the manifest was written).
  const problems: string[] = [];
  for (const item of manifest.items) {
    const problem = await checkImage(item.imagePath, { width: item.width, height: item.height });
    if (problem) problems.push(`fixture "${item.id}": ${problem}`);
  }
  if (problems.length > 0) {
    throw new UserError(`${problems.length} of ${manifest.items.length} fixture images in ${manifest.dir} do not decode: ${problems.join('; ')}`);
  }
  console.log(`${manifest.items.length} fixtures verified against ${manifest.dir}/manifest.json (sha256 ${manifest.manifestSha256.slice(0, 12)}…, every image decodes)`);
  return 0;
}

export async function listFixturesCommand(dir?: string): Promise<number> {
  const manifest = await loadManifest(dir ?? BUILTIN_FIXTURES_DIR, { verifyHashes: false, allowUnknownCategories: dir !== undefined });
  for (const item of manifest.items) console.log(`${item.id.padEnd(28)} ${item.task.padEnd(8)} ${item.category.padEnd(22)} ${item.licence}`);
  return 0;
}

export async function pullFixturesCommand(pack: string, flags: { trustOnFirstUse?: boolean }): Promise<number> {
  const { pullPack } = await import('../fixtures/packs.js');
  const pulled = await pullPack(pack, { trustOnFirstUse: flags.trustOnFirstUse, onProgress: (message) => console.log(message) });
  console.log(`pack ${pack}: ${pulled.items} fixtures in ${pulled.dir} — run them with: vlmbench run --fixtures ${pulled.dir}`);
  return 0;
}

export async function listPacksCommand(): Promise<number> {
  const { listPacks } = await import('../fixtures/packs.js');
  for (const pack of await listPacks()) {
    console.log(`${pack.name.padEnd(18)} ${pack.task.padEnd(8)} ${String(pack.items).padStart(3)} items  ${pack.licences.join(', ')}${pack.unverified ? `  (${pack.unverified} unpinned)` : ''}`);
    console.log(`${''.padEnd(18)} ${pack.title}`);
  }
  return 0;
}
