/**
 * A minimal GGUF v3 writer: header, key-values, tensor infos, aligned data.
 * Tensors are produced lazily, one at a time, so a 1 GB model is never held in memory twice.
 * Format reference (facts only): ggml's gguf spec / gguf-py.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'u64'; value: bigint }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: string[] }
  | { type: 'i32[]'; value: number[] }
  | { type: 'f32[]'; value: number[] }
  | { type: 'u32[]'; value: number[] };

export type GgufTensorType = 'F32' | 'F16' | 'Q8_0';

export interface GgufTensor {
  name: string;
  /** PyTorch order (outermost first); written reversed, as ggml stores dims. */
  shape: number[];
  type: GgufTensorType;
  /** Row-major values, produced when the tensor is written. */
  values: () => Float32Array;
}

const VALUE_TYPE = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;
const TENSOR_TYPE: Record<GgufTensorType, number> = { F32: 0, F16: 1, Q8_0: 8 };
const Q8_0_BLOCK = 32;
export const GGUF_ALIGNMENT = 32;

class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;
  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: bigint | number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(sink: ByteSink, value: GgufValue): void {
  switch (value.type) {
    case 'u32':
      sink.u32(VALUE_TYPE.u32);
      sink.u32(value.value);
      return;
    case 'i32':
      sink.u32(VALUE_TYPE.i32);
      sink.i32(value.value);
      return;
    case 'u64':
      sink.u32(VALUE_TYPE.u64);
      sink.u64(value.value);
      return;
    case 'f32':
      sink.u32(VALUE_TYPE.f32);
      sink.f32(value.value);
      return;
    case 'bool':
      sink.u32(VALUE_TYPE.bool);
      sink.push(Buffer.from([value.value ? 1 : 0]));
      return;
    case 'string':
      sink.u32(VALUE_TYPE.string);
      sink.string(value.value);
      return;
    case 'string[]':
      sink.u32(VALUE_TYPE.array);
      sink.u32(VALUE_TYPE.string);
      sink.u64(value.value.length);
      for (const s of value.value) sink.string(s);
      return;
    case 'i32[]':
    case 'u32[]':
    case 'f32[]': {
      sink.u32(VALUE_TYPE.array);
      const elementType = value.type === 'i32[]' ? VALUE_TYPE.i32 : value.type === 'u32[]' ? VALUE_TYPE.u32 : VALUE_TYPE.f32;
      sink.u32(elementType);
      sink.u64(value.value.length);
      for (const v of value.value) {
        if (value.type === 'i32[]') sink.i32(v);
        else if (value.type === 'u32[]') sink.u32(v);
        else sink.f32(v);
      }
      return;
    }
  }
}

// One scratch word for floatToHalf: allocating it per call made F16 encoding of a few million values take seconds.
const HALF_SCRATCH_F32 = new Float32Array(1);
const HALF_SCRATCH_U32 = new Uint32Array(HALF_SCRATCH_F32.buffer);

/** IEEE 754 binary16 from a float, round-to-nearest-even (Node 20 has no Float16Array). */
export function floatToHalf(value: number): number {
  HALF_SCRATCH_F32[0] = value;
  const x = HALF_SCRATCH_U32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1))) half += 1;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1))) half += 1;
  return sign | half;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

export function tensorByteSize(type: GgufTensorType, elements: number): number {
  if (type === 'F32') return elements * 4;
  if (type === 'F16') return elements * 2;
  if (elements % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 needs a multiple of ${Q8_0_BLOCK} elements, got ${elements}`);
  return (elements / Q8_0_BLOCK) * 34;
}

function encodeTensor(type: GgufTensorType, values: Float32Array): Buffer {
  if (type === 'F32') return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  if (type === 'F16') {
    const out = Buffer.alloc(values.length * 2);
    for (let i = 0; i < values.length; i++) out.writeUInt16LE(floatToHalf(values[i] as number), i * 2);
    return out;
  }
  // Q8_0: blocks of 32 values, an f16 scale (max |x| / 127) then 32 int8 quants.
  const blocks = values.length / Q8_0_BLOCK;
  const out = Buffer.alloc(blocks * 34);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let i = 0; i < Q8_0_BLOCK; i++) amax = Math.max(amax, Math.abs(values[b * Q8_0_BLOCK + i] as number));
    const scale = amax / 127;
    const inverse = scale ? 1 / scale : 0;
    out.writeUInt16LE(floatToHalf(scale), b * 34);
    for (let i = 0; i < Q8_0_BLOCK; i++) out.writeInt8(Math.round((values[b * Q8_0_BLOCK + i] as number) * inverse), b * 34 + 2 + i);
  }
  return out;
}

function padTo(length: number, alignment: number): number {
  return (alignment - (length % alignment)) % alignment;
}

/** Writes a GGUF v3 file. Returns the number of bytes written. */
export function writeGguf(path: string, kv: Record<string, GgufValue>, tensors: GgufTensor[]): number {
  const header = new ByteSink();
  header.push(Buffer.from('GGUF', 'ascii'));
  header.u32(3);
  header.u64(tensors.length);
  header.u64(Object.keys(kv).length);
  for (const [key, value] of Object.entries(kv)) {
    header.string(key);
    writeValue(header, value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    const elements = tensor.shape.reduce((a, b) => a * b, 1);
    header.string(tensor.name);
    header.u32(tensor.shape.length);
    for (const dim of [...tensor.shape].reverse()) header.u64(dim);
    header.u32(TENSOR_TYPE[tensor.type]);
    header.u64(offset);
    const bytes = tensorByteSize(tensor.type, elements);
    offset += bytes + padTo(bytes, GGUF_ALIGNMENT);
  }
  const head = header.concat();
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    written += writeSync(fd, head);
    const headPad = padTo(head.length, GGUF_ALIGNMENT);
    if (headPad) written += writeSync(fd, Buffer.alloc(headPad));
    for (const tensor of tensors) {
      const values = tensor.values();
      const elements = tensor.shape.reduce((a, b) => a * b, 1);
      if (values.length !== elements) throw new Error(`tensor ${tensor.name}: shape [${tensor.shape}] wants ${elements} values, got ${values.length}`);
      const data = encodeTensor(tensor.type, values);
      written += writeSync(fd, data);
      const pad = padTo(data.length, GGUF_ALIGNMENT);
      if (pad) written += writeSync(fd, Buffer.alloc(pad));
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
