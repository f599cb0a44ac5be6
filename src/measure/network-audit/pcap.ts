/**
 * Reading a libpcap capture file (what `tcpdump -w` writes) into the few packet facts the
 * network audit needs: when, from where to where, which transport, TCP flags, and for DNS the
 * name asked for. Written from the formats' definitions (pcap, Ethernet, IPv4, IPv6, TCP, UDP,
 * DNS) so a test can feed it bytes it built itself.
 */

export interface DnsQuestion {
  id: number;
  /** True for an answer; the audit counts only queries. */
  response: boolean;
  name: string;
  /** A, AAAA, HTTPS…, or TYPE<n> for codes not listed here. */
  type: string;
}

export interface Packet {
  /** Capture time, ms since the Unix epoch (the kernel's CLOCK_REALTIME stamp). */
  timeMs: number;
  family: 4 | 6;
  src: string;
  dst: string;
  transport: 'tcp' | 'udp' | 'icmp' | 'other';
  srcPort?: number;
  dstPort?: number;
  /** TCP flag byte (SYN 0x02, RST 0x04, ACK 0x10). */
  tcpFlags?: number;
  dns?: DnsQuestion;
}

const DNS_TYPES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 64: 'SVCB', 65: 'HTTPS', 255: 'ANY' };

/** Link-layer types tcpdump may write for a loopback capture. */
const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_RAW_ALT = 12;
const LINK_LINUX_SLL = 113;
const LINK_NULL = 0;

export interface PcapHeader {
  littleEndian: boolean;
  /** Fractional timestamp unit: 1e6 for microseconds, 1e9 for nanoseconds. */
  fractionPerSecond: number;
  linkType: number;
}

export const PCAP_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

export function readPcapHeader(bytes: Buffer): PcapHeader {
  if (bytes.length < PCAP_HEADER_BYTES) throw new Error(`not a pcap file: ${bytes.length} bytes is shorter than its header`);
  const magics: Array<[magic: number, fractionPerSecond: number]> = [
    [0xa1b2c3d4, 1e6],
    [0xa1b23c4d, 1e9],
  ];
  for (const [magic, fraction] of magics) {
    if (bytes.readUInt32LE(0) === magic) return { littleEndian: true, fractionPerSecond: fraction, linkType: bytes.readUInt32LE(20) };
    if (bytes.readUInt32BE(0) === magic) return { littleEndian: false, fractionPerSecond: fraction, linkType: bytes.readUInt32BE(20) };
  }
  throw new Error(`not a pcap file: magic 0x${bytes.readUInt32BE(0).toString(16)}`);
}

function ipv4(bytes: Buffer, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/** The canonical short form (RFC 5952), which WHATWG URL parsing already implements. */
function ipv6(bytes: Buffer, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(at + i).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** The first question of a DNS message, or undefined when it is not one. */
export function parseDns(payload: Buffer): DnsQuestion | undefined {
  if (payload.length < 12) return undefined;
  const id = payload.readUInt16BE(0);
  const flags = payload.readUInt16BE(2);
  if (payload.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const length = payload[at];
    if (length === undefined) return undefined;
    if (length === 0) {
      at++;
      break;
    }
    // A query's first name is never compressed; a pointer here means this is not a plain query.
    if ((length & 0xc0) !== 0 || at + 1 + length > payload.length) return undefined;
    labels.push(payload.toString('latin1', at + 1, at + 1 + length));
    at += 1 + length;
  }
  if (at + 2 > payload.length) return undefined;
  const code = payload.readUInt16BE(at);
  return { id, response: (flags & 0x8000) !== 0, name: labels.join('.'), type: DNS_TYPES[code] ?? `TYPE${code}` };
}

function transportOf(packet: Omit<Packet, 'transport'>, protocol: number, bytes: Buffer, at: number): Packet {
  if (protocol === 6 && at + 14 <= bytes.length) {
    return { ...packet, transport: 'tcp', srcPort: bytes.readUInt16BE(at), dstPort: bytes.readUInt16BE(at + 2), tcpFlags: bytes[at + 13] };
  }
  if (protocol === 17 && at + 8 <= bytes.length) {
    const srcPort = bytes.readUInt16BE(at);
    const dstPort = bytes.readUInt16BE(at + 2);
    const dns = srcPort === 53 || dstPort === 53 || dstPort === 5353 ? parseDns(bytes.subarray(at + 8)) : undefined;
    return { ...packet, transport: 'udp', srcPort, dstPort, ...(dns ? { dns } : {}) };
  }
  if (protocol === 1 || protocol === 58) return { ...packet, transport: 'icmp' };
  return { ...packet, transport: 'other' };
}

/** IPv6 extension headers that may sit between the fixed header and the transport. */
const IPV6_EXTENSIONS = new Set([0, 43, 60]);
const IPV6_FRAGMENT = 44;

function parseIp(bytes: Buffer, at: number, timeMs: number): Packet | undefined {
  const version = (bytes[at] ?? 0) >> 4;
  if (version === 4 && at + 20 <= bytes.length) {
    const headerLength = ((bytes[at] ?? 0) & 0x0f) * 4;
    // A later fragment carries no transport header.
    if ((bytes.readUInt16BE(at + 6) & 0x1fff) !== 0) return undefined;
    return transportOf({ timeMs, family: 4, src: ipv4(bytes, at + 12), dst: ipv4(bytes, at + 16) }, bytes[at + 9] ?? 0, bytes, at + headerLength);
  }
  if (version === 6 && at + 40 <= bytes.length) {
    let next = bytes[at + 6] ?? 0;
    let offset = at + 40;
    while ((IPV6_EXTENSIONS.has(next) || next === IPV6_FRAGMENT) && offset + 8 <= bytes.length) {
      const length = next === IPV6_FRAGMENT ? 8 : ((bytes[offset + 1] ?? 0) + 1) * 8;
      next = bytes[offset] ?? 0;
      offset += length;
    }
    return transportOf({ timeMs, family: 6, src: ipv6(bytes, at + 8), dst: ipv6(bytes, at + 24) }, next, bytes, offset);
  }
  return undefined;
}

/** Where the IP header starts in one frame of this link type, or -1 when the frame is not IP. */
function ipOffset(linkType: number, frame: Buffer, littleEndian: boolean): number {
  switch (linkType) {
    case LINK_ETHERNET: {
      if (frame.length < 14) return -1;
      const etherType = frame.readUInt16BE(12);
      return etherType === 0x0800 || etherType === 0x86dd ? 14 : -1;
    }
    case LINK_LINUX_SLL: {
      if (frame.length < 16) return -1;
      const protocol = frame.readUInt16BE(14);
      return protocol === 0x0800 || protocol === 0x86dd ? 16 : -1;
    }
    case LINK_NULL: {
      if (frame.length < 4) return -1;
      const family = littleEndian ? frame.readUInt32LE(0) : frame.readUInt32BE(0);
      return family === 2 || family === 10 || family === 24 || family === 28 || family === 30 ? 4 : -1;
    }
    case LINK_RAW:
    case LINK_RAW_ALT:
      return 0;
    default:
      return -1;
  }
}

/**
 * The packets of the complete records in `bytes` from `offset` on (a capture still being written
 * may end in half a record), and the offset after the last complete one.
 */
export function readPcapRecords(bytes: Buffer, header: PcapHeader, offset = PCAP_HEADER_BYTES): { packets: Packet[]; next: number } {
  const packets: Packet[] = [];
  const read = (at: number) => (header.littleEndian ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  let at = offset;
  while (at + RECORD_HEADER_BYTES <= bytes.length) {
    const seconds = read(at);
    const fraction = read(at + 4);
    const captured = read(at + 8);
    if (at + RECORD_HEADER_BYTES + captured > bytes.length) break;
    const frame = bytes.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + captured);
    at += RECORD_HEADER_BYTES + captured;
    const ipAt = ipOffset(header.linkType, frame, header.littleEndian);
    if (ipAt < 0) continue;
    const packet = parseIp(frame, ipAt, seconds * 1000 + (fraction * 1000) / header.fractionPerSecond);
    if (packet) packets.push(packet);
  }
  return { packets, next: at };
}

/** Every packet of a whole capture file's bytes. */
export function readPcap(bytes: Buffer): Packet[] {
  return readPcapRecords(bytes, readPcapHeader(bytes)).packets;
}
