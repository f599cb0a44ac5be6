/**
 * Getting a page in a Chromium: launch a local headless one (this process owns it and ends
 * it), or attach over CDP to one already running elsewhere (a phone behind `adb forward`),
 * which is only disconnected from, never closed. Everything after this is the same code path.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { descendantPids, isAlive } from '../measure/memory.js';
import { cacheRoot } from '../models/cache.js';

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The Chromium to launch: an explicit path, $VLMBENCH_CHROMIUM, or the first system one found. */
export function findChromium(explicit?: string): string | null {
  if (explicit) return existsSync(explicit) ? explicit : null;
  const fromEnv = process.env.VLMBENCH_CHROMIUM;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  return CHROMIUM_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/**
 * A launched Chromium must not reach the network during a measured run: that would be traffic
 * and background CPU inside the measurement, and a privacy fact about the benchmark itself.
 *
 * Measured with run --network-audit (Debian's Chromium 156): with --disable-background-networking,
 * --disable-component-update and Playwright's own defaults, Chromium still sent DNS queries for
 * update.googleapis.com seconds after launch: the Optimization Guide's on-device model manifest
 * (component ceofaddefefcbblgcgnibnonglccbfja), requested as an on-demand update, which
 * --disable-component-update does not stop. Pointing the manifest at a local, empty override
 * file does; with it a browser-wasm run on local files attempts nothing. --disable-features is
 * not used for this: Chromium keeps only the last such flag, which would drop Playwright's list.
 */
export const QUIET_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--safebrowsing-disable-auto-update',
  '--disable-breakpad',
  '--metrics-recording-only',
  '--no-pings',
];

/** An empty Optimization Guide manifest override ({}): no on-device model to fetch, so no request for one. */
export function emptyModelManifestPath(): string {
  return join(cacheRoot(), 'browser', 'no-on-device-models.json');
}

/** Writes the empty manifest that chromiumFlags() points at; any Chromium started with those flags needs it first. */
export function ensureEmptyModelManifest(): void {
  const path = emptyModelManifestPath();
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '{}\n');
}

export const BASE_FLAGS = ['--no-sandbox', ...QUIET_FLAGS];
/** Without this flag Chromium on Linux gives no WebGPU adapter at all; with it, SwiftShader's (software) one when there is no GPU. */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu'];

export function chromiumFlags(webgpu: boolean): string[] {
  return [...BASE_FLAGS, `--optimization-guide-manifest-override=${emptyModelManifestPath()}`, ...(webgpu ? WEBGPU_FLAGS : ['--disable-gpu'])];
}

export interface OpenBrowserOptions {
  /** Attach to this DevTools endpoint (e.g. `http://127.0.0.1:9222`) instead of launching. */
  cdpUrl?: string;
  webgpu: boolean;
  executablePath?: string;
  timeoutMs: number;
}

export interface OpenedBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** True when attached over CDP to a browser this process did not start. */
  attached: boolean;
  /** The launched browser's PID (local launches only). */
  pid: number | null;
  version: string;
  /** The command-line flags we passed (launched), or `[]` (attached: not ours to know). */
  flags: string[];
  /** Closes the page; ends a launched browser (by PID if it lingers); only disconnects an attached one. Safe twice. */
  close(): Promise<void>;
}

function processesWithArg(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes(marker) && !args.some((arg) => arg.startsWith('--type='))) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    alive = alive.filter(isAlive);
  }
  return alive;
}

export async function openBrowser(options: OpenBrowserOptions): Promise<OpenedBrowser> {
  const { chromium } = await import('playwright-core');
  if (options.cdpUrl) {
    const browser = await chromium.connectOverCDP(options.cdpUrl, { timeout: options.timeoutMs });
    // The default context is the browser's own profile; a page opened there is ours to close.
    const context = browser.contexts()[0] ?? (await browser.newContext());
    const page = await context.newPage();
    let closed: Promise<void> | null = null;
    return {
      browser,
      context,
      page,
      attached: true,
      pid: null,
      version: browser.version(),
      flags: [],
      close() {
        closed ??= (async () => {
          await page.close().catch(() => undefined);
          // For a connectOverCDP browser, close() disconnects and leaves the browser running.
          await browser.close().catch(() => undefined);
        })();
        return closed;
      },
    };
  }

  const executablePath = findChromium(options.executablePath);
  if (!executablePath) {
    throw new Error(`UNAVAILABLE: no Chromium found (looked at ${options.executablePath ?? process.env.VLMBENCH_CHROMIUM ?? CHROMIUM_CANDIDATES.join(', ')}); install it (apt-get install chromium) or attach to one with the cdpUrl option`);
  }
  // An inert switch that names this launch, so its PID can be found without guessing.
  const marker = `--vlmbench-instance=${randomBytes(6).toString('hex')}`;
  ensureEmptyModelManifest();
  const flags = chromiumFlags(options.webgpu);
  const browser = await chromium.launch({ executablePath, headless: true, args: [...flags, marker], timeout: options.timeoutMs });
  const pid = processesWithArg(marker)[0] ?? null;
  const context = await browser.newContext();
  const page = await context.newPage();
  let closed: Promise<void> | null = null;
  return {
    browser,
    context,
    page,
    attached: false,
    pid,
    version: browser.version(),
    flags,
    close() {
      closed ??= (async () => {
        const family = pid !== null ? [pid, ...descendantPids(pid)] : [];
        await page.close().catch(() => undefined);
        await context.close().catch(() => undefined);
        await browser.close().catch(() => undefined);
        const lingering = await waitGone(family, 3000);
        for (const stray of lingering) {
          try {
            process.kill(stray, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
        await waitGone(lingering, 2000);
      })();
      return closed;
    },
  };
}
