/**
 * Reads the key-values of a GGUF file's header (not its tensors), e.g. an mmproj's image size and
 * patch size. Arrays of numbers and strings are read too; a header larger than `maxBytes` is refused.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export type GgufMetadataValue = number | bigint | boolean | string | (number | bigint | boolean | string)[];

const TYPE = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;

class Cursor {
  offset = 0;
  constructor(private readonly buffer: Buffer) {}
  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) throw new RangeError('GGUF header extends past the bytes read');
  }
  u32(): number {
    this.need(4);
    const v = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buffer.readBigUInt64LE(this.offset);
    this.offset += 8;
    return v;
  }
  string(): string {
    const length = Number(this.u64());
    this.need(length);
    const s = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }
  scalar(type: number): number | bigint | boolean | string {
    const b = this.buffer;
    const read = <T>(bytes: number, get: (at: number) => T): T => {
      this.need(bytes);
      const v = get(this.offset);
      this.offset += bytes;
      return v;
    };
    switch (type) {
      case TYPE.u8: return read(1, (at) => b.readUInt8(at));
      case TYPE.i8: return read(1, (at) => b.readInt8(at));
      case TYPE.u16: return read(2, (at) => b.readUInt16LE(at));
      case TYPE.i16: return read(2, (at) => b.readInt16LE(at));
      case TYPE.u32: return read(4, (at) => b.readUInt32LE(at));
      case TYPE.i32: return read(4, (at) => b.readInt32LE(at));
      case TYPE.f32: return read(4, (at) => b.readFloatLE(at));
      case TYPE.bool: return read(1, (at) => b.readUInt8(at) !== 0);
      case TYPE.string: return this.string();
      case TYPE.u64: return read(8, (at) => b.readBigUInt64LE(at));
      case TYPE.i64: return read(8, (at) => b.readBigInt64LE(at));
      case TYPE.f64: return read(8, (at) => b.readDoubleLE(at));
      default: throw new Error(`unknown GGUF value type ${type}`);
    }
  }
}

/** The header key-values of a GGUF v2/v3 file. */
export function readGgufMetadata(path: string, maxBytes = 16 * 1024 * 1024): Map<string, GgufMetadataValue> {
  return readGgufHeader(path, maxBytes).metadata;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml order: the PyTorch shape reversed. */
  dims: number[];
}

/** Key-values and tensor infos (names and shapes, not data) of a GGUF v2/v3 file. */
export function readGgufHeader(path: string, maxBytes = 16 * 1024 * 1024, withTensors = false): { metadata: Map<string, GgufMetadataValue>; tensors: GgufTensorInfo[] } {
  const fd = openSync(path, 'r');
  let buffer: Buffer;
  try {
    buffer = Buffer.alloc(maxBytes);
    const read = readSync(fd, buffer, 0, maxBytes, 0);
    buffer = buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
  if (buffer.toString('ascii', 0, 4) !== 'GGUF') throw new Error(`${path} is not a GGUF file`);
  const cursor = new Cursor(buffer);
  cursor.offset = 4;
  const version = cursor.u32();
  if (version < 2) throw new Error(`${path}: GGUF version ${version} is not supported`);
  const tensorCount = Number(cursor.u64());
  const kvCount = Number(cursor.u64());
  const metadata = new Map<string, GgufMetadataValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = cursor.string();
    const type = cursor.u32();
    if (type === TYPE.array) {
      const elementType = cursor.u32();
      const length = Number(cursor.u64());
      const values: (number | bigint | boolean | string)[] = [];
      for (let j = 0; j < length; j++) values.push(cursor.scalar(elementType));
      metadata.set(key, values);
    } else {
      metadata.set(key, cursor.scalar(type));
    }
  }
  const tensors: GgufTensorInfo[] = [];
  if (withTensors) {
    for (let i = 0; i < tensorCount; i++) {
      const name = cursor.string();
      const rank = cursor.u32();
      const dims: number[] = [];
      for (let d = 0; d < rank; d++) dims.push(Number(cursor.u64()));
      cursor.u32(); // ggml type
      cursor.u64(); // data offset
      tensors.push({ name, dims });
    }
  }
  return { metadata, tensors };
}
