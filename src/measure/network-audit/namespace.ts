/**
 * A network namespace in which every destination is this machine, refused, and recorded.
 *
 * `unshare -n` makes a namespace with only `lo`; `ip route add local 0.0.0.0/0 dev lo` (and
 * `::/0` for IPv6) makes every address local to it, so a DNS query or a TCP SYN to anywhere is
 * delivered to `lo`, captured there by tcpdump, and refused (ICMP port unreachable, TCP RST)
 * because nothing listens. No packet can leave: the namespace has no other interface.
 *
 * The namespace is held by a small shell (the holder) that also runs tcpdump, so the capture
 * is not a descendant of the audited process and its memory never counts as the engine's. The
 * audited process joins with `nsenter -t <holder> -n`, which execs it (same PID). The holder
 * waits on its stdin: when vlmbench closes it, or dies, the holder stops tcpdump and exits, and
 * the namespace goes with its last process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { PCAP_HEADER_BYTES, readPcapHeader, readPcapRecords, type Packet, type PcapHeader } from './pcap.js';

/** System tools the audit needs; ip and tcpdump live in sbin, often off a user's PATH. */
const TOOLS = { unshare: 'util-linux', nsenter: 'util-linux', ip: 'iproute2', tcpdump: 'tcpdump' } as const;
type Tool = keyof typeof TOOLS;

/** $VLMBENCH_TCPDUMP points at another tcpdump (or, in a test, at none). */
export function findTool(tool: Tool): string | null {
  if (tool === 'tcpdump' && process.env.VLMBENCH_TCPDUMP !== undefined) return isExecutable(process.env.VLMBENCH_TCPDUMP) ? process.env.VLMBENCH_TCPDUMP : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'].filter(Boolean);
  for (const dir of dirs) {
    const path = join(dir, tool);
    if (isExecutable(path)) return path;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loopback-to-loopback traffic is the host's own plumbing (the browser fetching the page from
 * vlmbench's local server): leave it out of the file, except DNS, which is always an attempt.
 */
export const CAPTURE_FILTER = 'not ((dst net 127.0.0.0/8 or dst host ::1) and not port 53)';

/** Enough of each packet for the IP, transport and DNS question headers. */
const SNAP_LENGTH = 600;

const HOLDER_SCRIPT = `
"$AUDIT_IP" link set lo up || { echo "cannot bring lo up in the namespace" >&2; exit 11; }
"$AUDIT_IP" route add local 0.0.0.0/0 dev lo || { echo "cannot route 0.0.0.0/0 to lo in the namespace" >&2; exit 12; }
v6=0
"$AUDIT_IP" -6 route add local ::/0 dev lo 2>/dev/null && v6=1
"$AUDIT_TCPDUMP" -i lo -n -U --immediate-mode -Z root -s ${SNAP_LENGTH} -w "$AUDIT_PCAP" "$AUDIT_FILTER" 2>"$AUDIT_PCAP.log" &
tcp=$!
tries=0
until grep -q "listening on" "$AUDIT_PCAP.log" 2>/dev/null; do
  kill -0 $tcp 2>/dev/null || { echo "tcpdump stopped: $(tr '\\n' ' ' < "$AUDIT_PCAP.log")" >&2; exit 13; }
  tries=$((tries + 1))
  [ $tries -gt 200 ] && { echo "tcpdump did not start listening within 10 s" >&2; kill $tcp; exit 14; }
  sleep 0.05
done
echo "ready ipv6=$v6 tcpdump=$tcp"
cat >/dev/null
kill -TERM $tcp 2>/dev/null
wait $tcp
`;

export type Probe = { available: true; ipv6: boolean } | { available: false; reason: string };

export class NamespaceCapture {
  private header: PcapHeader | null = null;
  private offset = PCAP_HEADER_BYTES;
  private exited = false;

  private constructor(
    private readonly holder: ChildProcess,
    readonly holderPid: number,
    readonly tcpdumpPid: number,
    readonly ipv6: boolean,
    readonly pcapPath: string,
    private readonly nsenter: string,
  ) {
    holder.on('exit', () => (this.exited = true));
  }

  /** Starts the holder and its capture into `pcapPath`; rejects with a one-line reason when it cannot. */
  static async start(pcapPath: string, timeoutMs = 15_000): Promise<NamespaceCapture> {
    const paths: Partial<Record<Tool, string>> = {};
    for (const tool of Object.keys(TOOLS) as Tool[]) {
      const found = findTool(tool);
      if (!found) throw new Error(`${tool} not found${tool === 'tcpdump' && process.env.VLMBENCH_TCPDUMP !== undefined ? ` at $VLMBENCH_TCPDUMP (${process.env.VLMBENCH_TCPDUMP})` : ''} (apt-get install ${TOOLS[tool]})`);
      paths[tool] = found;
    }
    const holder = spawn(paths.unshare as string, ['-n', '--', 'sh', '-c', HOLDER_SCRIPT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AUDIT_IP: paths.ip as string, AUDIT_TCPDUMP: paths.tcpdump as string, AUDIT_PCAP: pcapPath, AUDIT_FILTER: CAPTURE_FILTER },
    });
    let stdout = '';
    let stderr = '';
    holder.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    holder.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        holder.kill('SIGKILL');
        reject(new Error(`the audit namespace did not become ready within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const check = () => {
        const match = /ready ipv6=(\d) tcpdump=(\d+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        }
      };
      holder.stdout?.on('data', check);
      holder.on('exit', (code) => {
        clearTimeout(timer);
        const why = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${code}`;
        reject(new Error(/Operation not permitted|EPERM/.test(why) ? `unshare -n is not permitted (${why}); run as root` : why));
      });
    });
    return new NamespaceCapture(holder, holder.pid as number, Number(ready[2]), ready[1] === '1', pcapPath, paths.nsenter as string);
  }

  /** The command line that runs `command args` inside the namespace (nsenter execs it: same PID). */
  wrap(command: string, args: string[]): { command: string; args: string[] } {
    return { command: this.nsenter, args: ['-t', String(this.holderPid), '-n', '--', command, ...args] };
  }

  /** The packets written since the last call (only complete records). */
  readNew(): Packet[] {
    let fd: number;
    try {
      fd = openSync(this.pcapPath, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      if (size < PCAP_HEADER_BYTES) return [];
      if (!this.header) {
        const head = Buffer.alloc(PCAP_HEADER_BYTES);
        readSync(fd, head, 0, PCAP_HEADER_BYTES, 0);
        this.header = readPcapHeader(head);
      }
      if (size <= this.offset) return [];
      const chunk = Buffer.alloc(size - this.offset);
      readSync(fd, chunk, 0, chunk.length, this.offset);
      const { packets, next } = readPcapRecords(chunk, this.header, 0);
      this.offset += next;
      return packets;
    } finally {
      closeSync(fd);
    }
  }

  /** Ends the capture (tcpdump flushes and exits) and the holder; safe twice. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (!this.exited) this.holder.stdin?.end();
    const deadline = Date.now() + timeoutMs;
    while (!this.exited && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    if (!this.exited) {
      for (const pid of [this.tcpdumpPid, this.holderPid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }
}

/** Whether a namespace and a capture can be had here: tries one, then ends it. */
export async function probeNamespace(scratchPcap: string): Promise<Probe> {
  try {
    const capture = await NamespaceCapture.start(scratchPcap);
    await capture.stop();
    return { available: true, ipv6: capture.ipv6 };
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  }
}
