/**
 * The audit's pure parts, on bytes built here from the formats' definitions: pcap records to
 * packets, packets to attempts (what counts, what does not), and attempts to a cell's phases.
 */
import { describe, expect, it } from 'vitest';
import { attemptsOf, describeAttempt, groupAttempts } from '../src/measure/network-audit/attempts.js';
import { HostAudit, pageAttempt } from '../src/measure/network-audit/host-audit.js';
import type { NamespaceCapture } from '../src/measure/network-audit/namespace.js';
import { parseDns, readPcap, readPcapHeader, readPcapRecords } from '../src/measure/network-audit/pcap.js';

function dnsQuery(id: number, name: string, type: number, response = false): Buffer {
  const labels = name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(response ? 0x8180 : 0x0100, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, ...labels, Buffer.from([0]), tail]);
}

function udp(srcPort: number, dstPort: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(srcPort, 0);
  header.writeUInt16BE(dstPort, 2);
  header.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([header, payload]);
}

function tcp(srcPort: number, dstPort: number, flags: number): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(srcPort, 0);
  header.writeUInt16BE(dstPort, 2);
  header[12] = 5 << 4;
  header[13] = flags;
  return header;
}

function ipv4(src: string, dst: string, protocol: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header.writeUInt16BE(20 + payload.length, 2);
  header[8] = 64;
  header[9] = protocol;
  src.split('.').forEach((part, i) => (header[12 + i] = Number(part)));
  dst.split('.').forEach((part, i) => (header[16 + i] = Number(part)));
  return Buffer.concat([header, payload]);
}

function ipv6(src: string, dst: string, next: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(40);
  header[0] = 0x60;
  header.writeUInt16BE(payload.length, 4);
  header[6] = next;
  header[7] = 64;
  const write = (address: string, at: number) => {
    const [head = '', tail = ''] = address.split('::');
    const left = head ? head.split(':') : [];
    const right = tail ? tail.split(':') : [];
    const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
    groups.forEach((group, i) => header.writeUInt16BE(parseInt(group, 16), at + i * 2));
  };
  write(src, 8);
  write(dst, 24);
  return Buffer.concat([header, payload]);
}

function ethernet(ip: Buffer): Buffer {
  const header = Buffer.alloc(14);
  header.writeUInt16BE((ip[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800, 12);
  return Buffer.concat([header, ip]);
}

/** A pcap file as tcpdump writes it on this machine: little-endian, microseconds, Ethernet framing on lo. */
function pcapFile(frames: Array<[timeMs: number, frame: Buffer]>, options: { bigEndian?: boolean; nanoseconds?: boolean } = {}): Buffer {
  const u32 = (value: number) => {
    const b = Buffer.alloc(4);
    if (options.bigEndian) b.writeUInt32BE(value);
    else b.writeUInt32LE(value);
    return b;
  };
  const u16 = (value: number) => {
    const b = Buffer.alloc(2);
    if (options.bigEndian) b.writeUInt16BE(value);
    else b.writeUInt16LE(value);
    return b;
  };
  const fraction = options.nanoseconds ? 1e6 : 1e3;
  const parts: Buffer[] = [u32(options.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4), u16(2), u16(4), u32(0), u32(0), u32(262144), u32(1)];
  for (const [timeMs, frame] of frames) {
    parts.push(u32(Math.floor(timeMs / 1000)), u32(Math.round((timeMs % 1000) * fraction)), u32(frame.length), u32(frame.length), frame);
  }
  return Buffer.concat(parts);
}

const T0 = 1_800_000_000_000;
const RESOLVER = '10.255.255.53';
const SYN = 0x02;
const RST_ACK = 0x14;
const SYN_ACK = 0x12;

const frames: Array<[number, Buffer]> = [
  // A query for A, its retry from the same socket and id, an AAAA query, and an answer (not an attempt).
  [T0 + 1, ethernet(ipv4(RESOLVER, RESOLVER, 17, udp(40000, 53, dnsQuery(7, 'planted.example.org', 1))))],
  [T0 + 2, ethernet(ipv4(RESOLVER, RESOLVER, 17, udp(40000, 53, dnsQuery(7, 'planted.example.org', 1))))],
  [T0 + 3, ethernet(ipv4(RESOLVER, RESOLVER, 17, udp(40001, 53, dnsQuery(8, 'planted.example.org', 28))))],
  [T0 + 4, ethernet(ipv4(RESOLVER, RESOLVER, 17, udp(53, 40001, dnsQuery(8, 'planted.example.org', 28, true))))],
  // A TCP SYN, its retransmission, the refusal (RST) and an unrelated SYN-ACK: one attempt.
  [T0 + 10, ethernet(ipv4('203.0.113.9', '203.0.113.9', 6, tcp(50000, 443, SYN)))],
  [T0 + 11, ethernet(ipv4('203.0.113.9', '203.0.113.9', 6, tcp(50000, 443, SYN)))],
  [T0 + 12, ethernet(ipv4('203.0.113.9', '203.0.113.9', 6, tcp(443, 50000, RST_ACK)))],
  [T0 + 13, ethernet(ipv4('203.0.113.9', '203.0.113.9', 6, tcp(443, 50001, SYN_ACK)))],
  // Loopback plumbing (the page fetching from vlmbench's server) is not an attempt; DNS via a loopback stub is.
  [T0 + 20, ethernet(ipv4('127.0.0.1', '127.0.0.1', 6, tcp(50002, 8080, SYN)))],
  [T0 + 21, ethernet(ipv4('127.0.0.1', '127.0.0.53', 17, udp(40002, 53, dnsQuery(9, 'stub.example', 65))))],
  // IPv6 TCP, an ICMP refusal (ignored), mDNS and a plain UDP flow.
  [T0 + 30, ethernet(ipv6('2001:db8::1', '2001:db8::1', 6, tcp(50003, 8443, SYN)))],
  [T0 + 31, ethernet(ipv4(RESOLVER, RESOLVER, 1, Buffer.alloc(8)))],
  [T0 + 32, ethernet(ipv4('224.0.0.251', '224.0.0.251', 17, udp(5353, 5353, dnsQuery(0, 'printer.local', 12))))],
  [T0 + 33, ethernet(ipv4('198.51.100.4', '198.51.100.4', 17, udp(40003, 6881, Buffer.from('d1:ad2:id20:'))))],
  [T0 + 34, ethernet(ipv4('198.51.100.4', '198.51.100.4', 17, udp(40003, 6881, Buffer.from('d1:ad2:id20:'))))],
];

describe('pcap reading', () => {
  it('reads every frame with its time, addresses and ports, in any byte order and time unit', () => {
    for (const options of [{}, { bigEndian: true }, { nanoseconds: true }]) {
      const packets = readPcap(pcapFile(frames, options));
      expect(packets).toHaveLength(frames.length);
      expect(packets[0]).toMatchObject({ family: 4, src: RESOLVER, dst: RESOLVER, transport: 'udp', srcPort: 40000, dstPort: 53, dns: { id: 7, name: 'planted.example.org', type: 'A', response: false } });
      expect(packets[0]?.timeMs).toBeCloseTo(T0 + 1, 3);
      expect(packets[4]).toMatchObject({ transport: 'tcp', dst: '203.0.113.9', dstPort: 443, tcpFlags: SYN });
      expect(packets[10]).toMatchObject({ family: 6, dst: '2001:db8::1', dstPort: 8443 });
      expect(packets[11]?.transport).toBe('icmp');
    }
  });

  it('stops at a record that is still being written and resumes from there', () => {
    const whole = pcapFile(frames);
    const header = readPcapHeader(whole);
    const cut = whole.subarray(0, whole.length - 5);
    const first = readPcapRecords(cut, header);
    expect(first.packets).toHaveLength(frames.length - 1);
    const rest = readPcapRecords(whole, header, first.next);
    expect(rest.packets).toHaveLength(1);
  });

  it('rejects what is not a pcap file, and a DNS message that is not a query is not read as one', () => {
    expect(() => readPcap(Buffer.from('definitely not a capture file'))).toThrow(/not a pcap file/);
    expect(parseDns(Buffer.alloc(5))).toBeUndefined();
    expect(parseDns(dnsQuery(1, 'a.example', 16))).toMatchObject({ name: 'a.example', type: 'TXT' });
    expect(parseDns(dnsQuery(1, 'a.example', 4242))?.type).toBe('TYPE4242');
  });
});

describe('attempts', () => {
  const attempts = attemptsOf(readPcap(pcapFile(frames)));

  it('counts a query, a connection and a UDP flow once each; answers, refusals and loopback plumbing not at all', () => {
    expect(attempts.map((a) => [a.protocol, a.address, a.port, a.name ?? null, a.queryType ?? null, a.packets])).toEqual([
      ['dns', RESOLVER, 53, 'planted.example.org', 'A', 2],
      ['dns', RESOLVER, 53, 'planted.example.org', 'AAAA', 1],
      ['tcp', '203.0.113.9', 443, null, null, 2],
      ['dns', '127.0.0.53', 53, 'stub.example', 'HTTPS', 1],
      ['tcp', '2001:db8::1', 8443, null, null, 1],
      ['dns', '224.0.0.251', 5353, 'printer.local', 'PTR', 1],
      ['udp', '198.51.100.4', 6881, null, null, 2],
    ]);
  });

  it('groups by phase and destination, and describes each in one line', () => {
    const grouped = groupAttempts(attempts, (time) => (time < T0 + 15 ? 'load' : 'run'), () => T0);
    const dns = grouped.find((a) => a.name === 'planted.example.org');
    expect(dns).toMatchObject({ phase: 'load', count: 2, packets: 3, queryTypes: ['A', 'AAAA'], firstAtMs: 1 });
    expect(describeAttempt(dns!)).toBe('planted.example.org (DNS A, AAAA via 10.255.255.53:53) ×2');
    expect(describeAttempt(grouped.find((a) => a.port === 8443)!)).toBe('[2001:db8::1]:8443 (tcp)');
    expect(grouped.find((a) => a.port === 8443)?.phase).toBe('run');
  });
});

describe('one host\'s cells', () => {
  it('gives load attempts to the first cell after a load, run attempts to the cell whose window holds them', async () => {
    const audit = new HostAudit({ kind: 'attached' }, { downloads: ['https://huggingface.co/org/repo/resolve/abc/onnx/model.onnx'], registrySource: null, browser: 'attached' });
    const start = Date.now() - 1000;
    audit.loadStarted(start);
    audit.notePageRequests([{ url: 'https://cdn.example.net/ort.wasm', timeMs: start + 1 }]);
    audit.loadFinished(null, start + 2);
    audit.notePageRequests([{ url: 'wss://telemetry.example.com:8443/x', timeMs: start + 3 }, { url: 'not a url', timeMs: start + 3 }]);
    const first = await audit.cellFinished(null);
    expect(first).toMatchObject({ status: 'measured', launchedByVlmbench: false, loadShared: false });
    expect(first.method).toMatch(/vlmbench did not launch it/);
    expect(first.attempts.map((a) => [a.phase, a.protocol, a.name, a.port, a.expected ?? null])).toEqual([
      ['download', 'https', 'huggingface.co', 443, 'model download from the Hugging Face hub'],
      ['load', 'https', 'cdn.example.net', 443, null],
      ['run', 'wss', 'telemetry.example.com', 8443, null],
    ]);
    const second = await audit.cellFinished(null);
    expect(second).toMatchObject({ loadShared: true, attempts: [] });
    audit.notePageRequests([{ url: 'http://late.example/', timeMs: Date.now() + 1 }]);
    const rest = await audit.finish();
    expect(rest.afterLastCell.map((a) => a.name)).toEqual(['late.example']);
  });

  it('marks every cell unavailable, with the reason, when no namespace could be had', async () => {
    const audit = new HostAudit({ kind: 'unavailable', reason: 'tcpdump not found (apt-get install tcpdump)' }, { downloads: [], registrySource: null, browser: null });
    expect(audit.launcher()).toBeUndefined();
    expect(await audit.cellFinished(1)).toMatchObject({ status: 'unavailable', reason: 'tcpdump not found (apt-get install tcpdump)', attempts: [] });
  });

  it('makes the cells unavailable, with the reason, when the capture file cannot be read', async () => {
    // A stand-in for the capture: only the unit under test (the bookkeeping) is real here.
    const capture = { pcapPath: '/runs/x/network-audit/01.pcap', ipv6: true, readNew: () => { throw new Error('not a pcap file: magic 0x0'); }, stop: async () => {} } as unknown as NamespaceCapture;
    const audit = new HostAudit({ kind: 'namespace', capture }, { downloads: [], registrySource: null, browser: null });
    expect(await audit.cellFinished(null)).toMatchObject({ status: 'unavailable', reason: 'the capture /runs/x/network-audit/01.pcap could not be read: not a pcap file: magic 0x0' });
  });

  it('reads a page request\'s scheme, host and default port', () => {
    expect(pageAttempt({ url: 'http://[2001:db8::2]/a', timeMs: 5 })).toMatchObject({ protocol: 'http', name: '2001:db8::2', port: 80, address: null });
    expect(pageAttempt({ url: 'no', timeMs: 5 })).toBeNull();
  });
});
