/**
 * The orchestrator's handle on one engine host process. Every request has a timeout; a
 * host that dies or hangs is killed with its whole process tree (QVAC's Bare worker is a
 * grandchild of the orchestrator) and the pending request fails with the reason.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Availability, LoadReport, LoadRequest, RunRequest, TargetId } from '../engines/engine.js';
import type { ErrorKind, HostReply, HostRequest, MeasuredRun, MemoryPeaks } from '../engines/protocol.js';
import { REPO_ROOT } from '../measure/environment.js';
import { descendantPids, isAlive } from '../measure/memory.js';
import { removeStaleWorkerSockets } from '../engines/qvac-sockets.js';

export class HostError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind | 'crash' | 'timeout',
  ) {
    super(message);
  }
}

/**
 * Whether a failed availability check or load may succeed in a fresh process: a host that died
 * (killed, crashed) or an engine error (e.g. QVAC's worker lost mid-load). A user error (a
 * missing file), an unavailable target and a timeout (the load would hang again) are final.
 */
export function isRetryableLoadFailure(error: unknown): boolean {
  return !(error instanceof HostError) || error.kind === 'crash' || error.kind === 'engine';
}

/** The compiled host entry; tests import src/ through vitest, so fall back to dist/. */
function hostEntry(): string {
  const sibling = fileURLToPath(new URL('../engines/host.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  const compiled = join(REPO_ROOT, 'dist', 'src', 'engines', 'host.js');
  if (existsSync(compiled)) return compiled;
  throw new Error(`engine host entry not found (${sibling}); run "npm run build" first`);
}

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

interface Pending {
  id: number;
  resolve: (reply: HostReply) => void;
  reject: (error: HostError) => void;
  timer: NodeJS.Timeout;
}

export class HostClient {
  private child: ChildProcess;
  private nextId = 1;
  private pending: Pending | null = null;
  private exited = false;
  private exitReason = '';
  /** Descendants seen after the last reply: a host that crashes leaves them re-parented, out of reach of a tree walk. */
  private knownDescendants: number[] = [];
  readonly pid: number;

  /** `launcher` wraps the host's command line (run --network-audit starts it inside a namespace); it must exec Node in place. */
  constructor(
    readonly label: string,
    private readonly onLog: (message: string) => void = () => {},
    launcher?: (command: string, args: string[]) => { command: string; args: string[] },
  ) {
    const options = {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'] as Array<'ignore' | 'pipe' | 'ipc'>,
      env: { ...process.env, VLMBENCH_HOST: label },
      // The host must not die with the terminal's Ctrl-C before the orchestrator has recorded what it has.
      detached: false,
    };
    if (launcher) {
      const wrapped = launcher(process.execPath, [...process.execArgv, hostEntry()]);
      this.child = spawn(wrapped.command, wrapped.args, options);
    } else {
      this.child = fork(hostEntry(), [], options);
    }
    this.pid = this.child.pid ?? -1;
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.onLog(line);
    };
    this.child.stdout?.on('data', forward);
    this.child.stderr?.on('data', forward);
    this.child.on('message', (reply: HostReply) => {
      this.knownDescendants = descendantPids(this.pid);
      if (reply.type === 'log') {
        this.onLog(reply.message);
        return;
      }
      if (!this.pending || reply.id !== this.pending.id) return;
      const pending = this.pending;
      this.pending = null;
      clearTimeout(pending.timer);
      pending.resolve(reply);
    });
    const watch = setInterval(() => {
      if (!this.exited) this.knownDescendants = descendantPids(this.pid);
    }, 500);
    watch.unref();
    // A send on a channel the host has just closed (it died, or an interrupt killed it) fails
    // asynchronously with EPIPE or ERR_IPC_CHANNEL_CLOSED. Without a listener that 'error' event
    // would crash the orchestrator; the 'exit' event that follows fails the pending request.
    this.child.on('error', (error) => {
      this.onLog(`engine host ${this.label}: ${error.message}`);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      clearInterval(watch);
      for (const pid of this.knownDescendants) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      // A host that was killed could not remove its QVAC worker's socket file.
      if (signal) removeStaleWorkerSockets();
      this.exitReason = signal ? `engine host killed by ${signal}` : `engine host exited with code ${code}`;
      if (this.pending) {
        const pending = this.pending;
        this.pending = null;
        clearTimeout(pending.timer);
        pending.reject(new HostError(`${this.exitReason} (crash) while running the request`, 'crash'));
      }
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  private request(message: DistributiveOmit<HostRequest, 'id'>, timeoutMs: number): Promise<HostReply> {
    if (this.exited) return Promise.reject(new HostError(`${this.exitReason}; cannot send ${message.type}`, 'crash'));
    if (!this.child.connected) return Promise.reject(new HostError(`engine host ${this.label} closed its channel (crash); cannot send ${message.type}`, 'crash'));
    const id = this.nextId++;
    return new Promise<HostReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new HostError(`${message.type} timed out after ${Math.round(timeoutMs / 1000)} s (raise ${message.type === 'load' ? '--load-timeout' : '--timeout'} if the model is just slow)`, 'timeout'));
        this.kill();
      }, timeoutMs);
      this.pending = { id, resolve, reject, timer };
      const failSend = (error: Error): void => {
        if (this.pending?.id !== id) return;
        this.pending = null;
        clearTimeout(timer);
        reject(new HostError(`engine host ${this.label} could not be sent ${message.type} (${error.message}; crash)`, 'crash'));
      };
      try {
        // The callback receives a send that failed on a closed channel, instead of an 'error' event.
        this.child.send({ ...message, id } as HostRequest, (error) => {
          if (error) failSend(error);
        });
      } catch (error) {
        failSend(error as Error);
      }
    });
  }

  private static unwrap<T extends HostReply['type']>(reply: HostReply, type: T): Extract<HostReply, { type: T }> {
    if (reply.type === 'error') throw new HostError(reply.message, reply.kind);
    if (reply.type !== type) throw new HostError(`unexpected reply ${reply.type} (wanted ${type})`, 'engine');
    return reply as Extract<HostReply, { type: T }>;
  }

  async availability(engine: string, target: TargetId, timeoutMs: number): Promise<Availability> {
    return HostClient.unwrap(await this.request({ type: 'availability', engine, target }, timeoutMs), 'availability').availability;
  }

  async load(engine: string, request: LoadRequest): Promise<{ report: LoadReport; ms: number; memory: MemoryPeaks; probeMs?: number }> {
    const reply = HostClient.unwrap(await this.request({ type: 'load', engine, request }, request.timeoutMs), 'loaded');
    return { report: reply.report, ms: reply.ms, memory: reply.memory, ...(reply.probeMs !== undefined ? { probeMs: reply.probeMs } : {}) };
  }

  async run(request: RunRequest, timeoutMs: number): Promise<MeasuredRun> {
    return HostClient.unwrap(await this.request({ type: 'run', request }, timeoutMs), 'ran').run;
  }

  /**
   * Unloads and exits; kills the tree if it does not go within the grace period. Never throws:
   * a host that is already gone, or whose channel an interrupt has just closed, is only killed.
   */
  async shutdown(graceMs = 15000): Promise<void> {
    try {
      if (this.exited || !this.child.connected) {
        this.kill();
        return;
      }
      try {
        await this.request({ type: 'shutdown' }, graceMs);
      } catch {
        // fall through to the kill below
      }
      await this.waitForExit(2000);
      this.kill();
    } catch (error) {
      this.onLog(`engine host ${this.label}: shutdown: ${(error as Error).message}`);
    }
  }

  private async waitForExit(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.exited && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  }

  private killTree(): void {
    // Descendants first: once the host is gone its children are re-parented and harder to find.
    for (const pid of descendantPids(this.pid).reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Kills the host and every descendant now. */
  kill(): void {
    this.killTree();
    if (isAlive(this.pid)) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
