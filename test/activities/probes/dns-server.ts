import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

/** The records a name has, by type. A name absent from the zone answers NXDOMAIN. */
export interface ZoneRecords {
  A?: string[];
  AAAA?: string[];
  CNAME?: string[];
  MX?: { priority: number; exchange: string }[];
  /** Each record is a list of strings (one TXT record can hold several). */
  TXT?: string[][];
  /** Answer SERVFAIL for this name instead. */
  servfail?: boolean;
}
export type Zone = Record<string, ZoneRecords>;

export interface DnsTestServer {
  /** `127.0.0.1:port`, as a probe's `resolver`. */
  address: string;
  /** Queries received, as `name TYPE`. */
  queries: string[];
  /** From now on, answer after this many ms; `Infinity` never answers. */
  delay(ms: number): void;
  close(): Promise<void>;
}

const TYPES = { A: 1, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 } as const;
type RecordType = keyof typeof TYPES;
const TYPE_NAMES = new Map<number, RecordType>(Object.entries(TYPES).map(([name, code]) => [code, name as RecordType]));
const RCODE = { noError: 0, servfail: 2, nxdomain: 3 };

/**
 * An authoritative DNS server on loopback UDP, answering from `zone`: the least of RFC 1035 that a stub resolver
 * needs (one question; answers in A, AAAA, CNAME, MX and TXT). Written here rather than taken from a package, so
 * the tests control every byte, silence included.
 */
export async function startDnsServer(zone: Zone): Promise<DnsTestServer> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  let delayMs = 0;
  socket.on('message', (query, from) => {
    const question = readQuestion(query);
    if (!question) return;
    const type = TYPE_NAMES.get(question.type);
    queries.push(`${question.name} ${type ?? question.type}`);
    const response = answer(query, question, zone[question.name.toLowerCase()], type);
    if (delayMs === Infinity) return;
    setTimeout(() => socket.send(response, from.port, from.address), delayMs);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    queries,
    delay: (ms) => {
      delayMs = ms;
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

interface Question {
  name: string;
  type: number;
  /** Offset just past the question: header and question are echoed back as they came. */
  end: number;
}

function readQuestion(packet: Buffer): Question | undefined {
  if (packet.length < 12 || packet.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  while (offset < packet.length && packet[offset] !== 0) {
    const length = packet[offset]!;
    labels.push(packet.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += 1 + length;
  }
  offset += 1;
  if (offset + 4 > packet.length) return undefined;
  return { name: labels.join('.'), type: packet.readUInt16BE(offset), end: offset + 4 };
}

function answer(query: Buffer, question: Question, records: ZoneRecords | undefined, type: RecordType | undefined): Buffer {
  const rcode = !records ? RCODE.nxdomain : records.servfail ? RCODE.servfail : RCODE.noError;
  const rdatas = records && type && !records.servfail ? rdata(records, type) : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  // QR, the query's opcode and RD, AA, RA, and the response code.
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const answers = rdatas.map((data) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    rr.writeUInt16BE(TYPES[type!], 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}

function rdata(records: ZoneRecords, type: RecordType): Buffer[] {
  switch (type) {
    case 'A':
      return (records.A ?? []).map((a) => Buffer.from(a.split('.').map(Number)));
    case 'AAAA':
      return (records.AAAA ?? []).map(ipv6Bytes);
    case 'CNAME':
      return (records.CNAME ?? []).map(encodeName);
    case 'MX':
      return (records.MX ?? []).map(({ priority, exchange }) => {
        const p = Buffer.alloc(2);
        p.writeUInt16BE(priority);
        return Buffer.concat([p, encodeName(exchange)]);
      });
    case 'TXT':
      return (records.TXT ?? []).map((strings) => Buffer.concat(strings.map((s) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]))));
  }
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail] = address.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail ?? '').length;
  const all = [...groups(head), ...(tail === undefined ? [] : new Array(missing).fill('0')), ...groups(tail ?? '')];
  const bytes = Buffer.alloc(16);
  for (const [i, g] of all.entries()) bytes.writeUInt16BE(parseInt(g, 16), i * 2);
  return bytes;
}
