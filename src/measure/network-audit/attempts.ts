/**
 * From captured packets to attempts: what a process tried to reach. A DNS query is one attempt
 * (a retry from the same socket with the same id is the same one); a TCP connection is its SYN
 * (retransmitted SYNs of one flow count once); a UDP flow is one attempt. Answers, refusals
 * (RST, ICMP unreachable) and traffic between two loopback addresses are not attempts, except
 * DNS, which would leave the machine through any resolver, loopback stubs included.
 */
import type { NetworkAttempt } from '../../results/schema.js';
import type { Packet } from './pcap.js';

/** One attempt before grouping. */
export interface RawAttempt {
  timeMs: number;
  protocol: 'dns' | 'tcp' | 'udp';
  address: string;
  port: number | null;
  name?: string;
  queryType?: string;
  packets: number;
}

const TCP_SYN = 0x02;
const TCP_ACK = 0x10;

export function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || address.startsWith('::ffff:127.');
}

/** The attempts among packets, in capture order. */
export function attemptsOf(packets: Packet[]): RawAttempt[] {
  const byFlow = new Map<string, RawAttempt>();
  const out: RawAttempt[] = [];
  const note = (key: string, make: () => RawAttempt) => {
    const seen = byFlow.get(key);
    if (seen) {
      seen.packets++;
      return;
    }
    const attempt = make();
    byFlow.set(key, attempt);
    out.push(attempt);
  };
  for (const packet of packets) {
    const { dns } = packet;
    if (dns) {
      if (dns.response) continue;
      note(`dns|${packet.src}|${packet.srcPort}|${packet.dst}|${dns.id}|${dns.name}|${dns.type}`, () => ({
        timeMs: packet.timeMs,
        protocol: 'dns',
        address: packet.dst,
        port: packet.dstPort ?? null,
        name: dns.name,
        queryType: dns.type,
        packets: 1,
      }));
      continue;
    }
    if (isLoopback(packet.dst)) continue;
    const flow = `${packet.src}|${packet.srcPort}|${packet.dst}|${packet.dstPort}`;
    if (packet.transport === 'tcp') {
      const flags = packet.tcpFlags ?? 0;
      if ((flags & TCP_SYN) === 0 || (flags & TCP_ACK) !== 0) continue;
      note(`tcp|${flow}`, () => ({ timeMs: packet.timeMs, protocol: 'tcp', address: packet.dst, port: packet.dstPort ?? null, packets: 1 }));
    } else if (packet.transport === 'udp') {
      // A datagram back from a port the tree once sent to is an answer, not an attempt (none come here: all are refused).
      if (byFlow.has(`udp|${packet.dst}|${packet.dstPort}|${packet.src}|${packet.srcPort}`)) continue;
      note(`udp|${flow}`, () => ({ timeMs: packet.timeMs, protocol: 'udp', address: packet.dst, port: packet.dstPort ?? null, packets: 1 }));
    }
  }
  return out;
}

/** An attempt not seen in a capture: a request reported by CDP or made by vlmbench's downloader. */
export type ReportedAttempt = Omit<RawAttempt, 'protocol' | 'address'> & { protocol: string; address: string | null };

/**
 * Groups attempts by phase, protocol, destination and name, as a cell records them. `phaseOf`
 * says which phase a time falls in; `windowStart` gives the start of that phase's window, for firstAtMs.
 */
export function groupAttempts(
  attempts: Array<RawAttempt | ReportedAttempt>,
  phaseOf: (timeMs: number) => NetworkAttempt['phase'],
  windowStart: (phase: NetworkAttempt['phase'], timeMs: number) => number | undefined,
  extra: (phase: NetworkAttempt['phase']) => Pick<NetworkAttempt, 'expected' | 'by'> = () => ({}),
): NetworkAttempt[] {
  const groups = new Map<string, NetworkAttempt>();
  for (const attempt of attempts) {
    const phase = phaseOf(attempt.timeMs);
    const key = [phase, attempt.protocol, attempt.address, attempt.port, attempt.name ?? ''].join('|');
    const group = groups.get(key);
    if (group) {
      group.count++;
      group.packets += attempt.packets;
      if (attempt.queryType && !group.queryTypes?.includes(attempt.queryType)) group.queryTypes = [...(group.queryTypes ?? []), attempt.queryType];
      continue;
    }
    const start = windowStart(phase, attempt.timeMs);
    groups.set(key, {
      phase,
      protocol: attempt.protocol,
      address: attempt.address,
      port: attempt.port,
      ...(attempt.name !== undefined ? { name: attempt.name } : {}),
      ...(attempt.queryType ? { queryTypes: [attempt.queryType] } : {}),
      count: 1,
      packets: attempt.packets,
      ...extra(phase),
      ...(start !== undefined ? { firstAtMs: Math.max(0, Math.round(attempt.timeMs - start)) } : {}),
    });
  }
  return [...groups.values()];
}

/** "update.googleapis.com (DNS A, AAAA via 10.0.0.53:53)", "93.184.216.34:443 (tcp)". */
export function describeAttempt(attempt: NetworkAttempt): string {
  const times = attempt.count > 1 ? ` ×${attempt.count}` : '';
  const where = attempt.address !== null ? `${attempt.address.includes(':') ? `[${attempt.address}]` : attempt.address}${attempt.port !== null ? `:${attempt.port}` : ''}` : null;
  if (attempt.protocol === 'dns') return `${attempt.name ?? '?'} (DNS ${(attempt.queryTypes ?? []).join(', ')}${where ? ` via ${where}` : ''})${times}`;
  if (attempt.name !== undefined) return `${attempt.name}${attempt.port !== null ? `:${attempt.port}` : ''} (${attempt.protocol})${times}`;
  return `${where ?? '?'} (${attempt.protocol})${times}`;
}
