/**
 * run --network-audit at the level of the run: whether a namespace and a capture can be had
 * here (tried once, up front, so an unavailable audit is said once and recorded, never
 * skipped silently), one HostAudit per engine host, and the run-level record
 * (Results.extra.networkAudit) with what no cell holds: attempts after a host's last cell.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { NetworkAttemptSchema } from '../../results/schema.js';
import { HostAudit, type HostAuditInfo, type HostAuditMode } from './host-audit.js';
import { NamespaceCapture, probeNamespace } from './namespace.js';

export const RunNetworkAuditSchema = z.object({
  available: z.boolean(),
  reason: z.string().optional(),
  ipv6: z.boolean().optional(),
  hosts: z.array(
    z.object({
      engine: z.string(),
      model: z.string(),
      quant: z.string(),
      target: z.string(),
      mode: z.enum(['namespace', 'attached', 'unavailable']),
      /** The capture file, relative to the run's folder, for anyone who wants to check the attempts against it. */
      pcap: z.string().optional(),
      processes: z.array(z.string()),
      afterLastCell: z.array(NetworkAttemptSchema),
      late: z.array(NetworkAttemptSchema),
    }),
  ),
});
export type RunNetworkAudit = z.infer<typeof RunNetworkAuditSchema>;

/** The run's one line about an audit that could not be had, or null. */
export function auditWarning(extra: Record<string, unknown> | undefined): string | null {
  const parsed = RunNetworkAuditSchema.safeParse(extra?.networkAudit);
  if (!parsed.success || parsed.data.available) return null;
  return `network audit unavailable: ${parsed.data.reason ?? 'no reason recorded'} — every cell records network.status = unavailable`;
}

export interface AuditedHost {
  engine: string;
  model: string;
  quant: string;
  target: string;
}

export class NetworkAuditor {
  private readonly hosts: RunNetworkAudit['hosts'] = [];
  private started = 0;

  private constructor(
    private readonly runDir: string,
    readonly probe: Awaited<ReturnType<typeof probeNamespace>>,
    private readonly note: (line: string) => void,
  ) {}

  /**
   * Tries a namespace and a capture once; the auditor then either audits every host or marks every
   * cell unavailable. `previous` is the record of the run being resumed: its hosts are kept.
   */
  static async start(runDir: string, options: { previous?: unknown; note?: (line: string) => void } = {}): Promise<NetworkAuditor> {
    const dir = join(runDir, 'network-audit');
    mkdirSync(dir, { recursive: true });
    const scratch = join(dir, 'probe.pcap');
    const probe = await probeNamespace(scratch);
    for (const path of [scratch, `${scratch}.log`]) rmSync(path, { force: true });
    const auditor = new NetworkAuditor(runDir, probe, options.note ?? (() => {}));
    const previous = RunNetworkAuditSchema.safeParse(options.previous);
    if (previous.success) auditor.hosts.push(...previous.data.hosts);
    return auditor;
  }

  /** The progress line of an audit that runs; one that cannot is a warning of the results (auditWarning), printed even with --quiet. */
  statusLine(): string | null {
    return this.probe.available ? `network audit: each engine host runs in its own namespace where every destination is refused; captures in ${join(this.runDir, 'network-audit')}` : null;
  }

  /** The audit of one host; a namespace that cannot be had for it makes that host's cells unavailable, with the reason. */
  async forHost(host: AuditedHost, info: HostAuditInfo): Promise<HostAudit> {
    let mode: HostAuditMode;
    if (!this.probe.available) mode = { kind: 'unavailable', reason: this.probe.reason };
    else if (info.browser === 'attached') mode = { kind: 'attached' };
    else {
      const label = [host.engine, host.model, host.quant, host.target].join('-').replace(/[^A-Za-z0-9._-]/g, '_');
      let path: string;
      // A resumed run keeps the captures of its first part.
      do path = join(this.runDir, 'network-audit', `${String(++this.started).padStart(2, '0')}-${label}.pcap`);
      while (existsSync(path));
      try {
        const capture = await NamespaceCapture.start(path);
        mode = { kind: 'namespace', capture };
        // Anyone may check the attempts with a capture of their own in the same namespace while the host runs.
        this.note(`network audit: ${host.engine}/${host.model}/${host.quant}/${host.target} in the namespace held by pid ${capture.holderPid} (an independent capture: nsenter -t ${capture.holderPid} -n tcpdump -i lo)`);
      } catch (error) {
        mode = { kind: 'unavailable', reason: (error as Error).message };
      }
    }
    return new HostAudit(mode, info);
  }

  /** Ends a host's capture and keeps its host-level record. */
  async finishHost(host: AuditedHost, audit: HostAudit): Promise<void> {
    const record = await audit.finish();
    this.hosts.push({ ...host, ...record, ...(record.pcap ? { pcap: relative(this.runDir, record.pcap) } : {}) });
  }

  record(): RunNetworkAudit {
    return {
      available: this.probe.available,
      ...(this.probe.available ? { ipv6: this.probe.ipv6 } : { reason: this.probe.reason }),
      hosts: this.hosts,
    };
  }
}
