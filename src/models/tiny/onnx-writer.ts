/**
 * A small hand-written protobuf encoder for ONNX ModelProto files.
 *
 * Protobuf prefixes every nested message with its byte length, so a naive writer
 * must hold the whole model in memory. Here every message is a flat list of parts
 * whose lengths are known up front; large tensor payloads are `LazyBytes` that are
 * only produced while the file is written. A 1 GB model therefore never exists as
 * one buffer, let alone twice.
 *
 * Field numbers follow onnx/onnx.proto (proto2: repeated scalars are written unpacked,
 * as the reference implementation does).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';

/** Bytes whose length is known now and whose content is produced at write time. */
export interface LazyBytes {
  readonly byteLength: number;
  produce(): Iterable<Uint8Array>;
}

type Part = Uint8Array | LazyBytes;

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LENGTH_DELIMITED = 2;

function encodeVarint(value: number | bigint): Uint8Array {
  // Negative int64 values are encoded as their 64-bit two's complement (10 bytes).
  let remaining = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    let byte = Number(remaining & 0x7fn);
    remaining >>= 7n;
    if (remaining !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (remaining !== 0n);
  return Uint8Array.from(bytes);
}

function tag(field: number, wireType: number): Uint8Array {
  return encodeVarint((field << 3) | wireType);
}

const utf8 = new TextEncoder();

/** One protobuf message as a flat list of parts. */
export class ProtoMessage {
  readonly parts: Part[] = [];
  byteLength = 0;

  private push(part: Part): void {
    this.parts.push(part);
    this.byteLength += part.byteLength;
  }

  varint(field: number, value: number | bigint): this {
    this.push(tag(field, WIRE_VARINT));
    this.push(encodeVarint(value));
    return this;
  }

  float32(field: number, value: number): this {
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setFloat32(0, value, true);
    this.push(tag(field, WIRE_FIXED32));
    this.push(payload);
    return this;
  }

  bytes(field: number, payload: Uint8Array | LazyBytes): this {
    this.push(tag(field, WIRE_LENGTH_DELIMITED));
    this.push(encodeVarint(payload.byteLength));
    this.push(payload);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, child: ProtoMessage): this {
    this.push(tag(field, WIRE_LENGTH_DELIMITED));
    this.push(encodeVarint(child.byteLength));
    for (const part of child.parts) this.push(part);
    return this;
  }
}

function isLazy(part: Part): part is LazyBytes {
  return !(part instanceof Uint8Array);
}

/** Streams a message to a file through a staging buffer; returns the bytes written. */
export function writeProtoMessage(path: string, message: ProtoMessage): number {
  const stagingSize = 1 << 20;
  const staging = new Uint8Array(stagingSize);
  let staged = 0;
  let written = 0;
  const fd = openSync(path, 'w');
  const flush = (): void => {
    if (staged > 0) writeSync(fd, staging, 0, staged);
    written += staged;
    staged = 0;
  };
  const emit = (chunk: Uint8Array): void => {
    if (chunk.byteLength >= stagingSize) {
      flush();
      writeSync(fd, chunk, 0, chunk.byteLength);
      written += chunk.byteLength;
      return;
    }
    if (staged + chunk.byteLength > stagingSize) flush();
    staging.set(chunk, staged);
    staged += chunk.byteLength;
  };
  try {
    for (const part of message.parts) {
      if (!isLazy(part)) {
        emit(part);
        continue;
      }
      let produced = 0;
      for (const chunk of part.produce()) {
        produced += chunk.byteLength;
        emit(chunk);
      }
      if (produced !== part.byteLength) {
        throw new Error(`lazy payload declared ${part.byteLength} bytes but produced ${produced}`);
      }
    }
    flush();
  } finally {
    closeSync(fd);
  }
  if (written !== message.byteLength) {
    throw new Error(`wrote ${written} bytes to ${path}, expected ${message.byteLength}`);
  }
  return written;
}

// ---------------------------------------------------------------------------
// ONNX vocabulary

export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
} as const;
export type DataTypeId = (typeof DataType)[keyof typeof DataType];

const BYTES_PER_ELEMENT: Record<DataTypeId, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1 };

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

export interface TensorInit {
  name: string;
  dataType: DataTypeId;
  dims: number[];
  /** Little-endian raw data, eager for small tensors, lazy for weights. */
  data: Uint8Array | LazyBytes;
}

/** A symbolic dimension is a string (dim_param); a fixed one is a number. */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  elemType: DataTypeId;
  shape: Dim[];
}

export type Attribute =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'tensor'; value: TensorInit };

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, Attribute>;
  domain?: string;
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  initializers: TensorInit[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface ModelSpec {
  graph: GraphSpec;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  /** Extra key/value metadata_props. */
  metadata?: Record<string, string>;
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;
const IR_VERSION = 8;

function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('ONNX raw_data is little-endian; this writer assumes a little-endian host');
}

function encodeTensor(tensor: TensorInit): ProtoMessage {
  const expected = elementCount(tensor.dims) * BYTES_PER_ELEMENT[tensor.dataType];
  if (tensor.data.byteLength !== expected) {
    throw new Error(`tensor ${tensor.name}: ${tensor.data.byteLength} bytes for dims [${tensor.dims}], expected ${expected}`);
  }
  const message = new ProtoMessage();
  for (const dim of tensor.dims) message.varint(1, dim);
  message.varint(2, tensor.dataType);
  message.string(8, tensor.name);
  message.bytes(9, tensor.data);
  return message;
}

function encodeValueInfo(info: ValueInfo): ProtoMessage {
  const shape = new ProtoMessage();
  for (const dim of info.shape) {
    const dimension = new ProtoMessage();
    if (typeof dim === 'number') dimension.varint(1, dim);
    else dimension.string(2, dim);
    shape.message(1, dimension);
  }
  const tensorType = new ProtoMessage().varint(1, info.elemType).message(2, shape);
  const type = new ProtoMessage().message(1, tensorType);
  return new ProtoMessage().string(1, info.name).message(2, type);
}

function encodeAttribute(name: string, attribute: Attribute): ProtoMessage {
  const message = new ProtoMessage().string(1, name);
  switch (attribute.kind) {
    case 'float':
      message.float32(2, attribute.value);
      break;
    case 'int':
      message.varint(3, attribute.value);
      break;
    case 'string':
      message.string(4, attribute.value);
      break;
    case 'tensor':
      message.message(5, encodeTensor(attribute.value));
      break;
    case 'floats':
      for (const value of attribute.value) message.float32(7, value);
      break;
    case 'ints':
      for (const value of attribute.value) message.varint(8, value);
      break;
  }
  message.varint(20, ATTRIBUTE_TYPE[attribute.kind]);
  return message;
}

function encodeNode(node: NodeSpec): ProtoMessage {
  const message = new ProtoMessage();
  for (const input of node.inputs) message.string(1, input);
  for (const output of node.outputs) message.string(2, output);
  message.string(3, node.name);
  message.string(4, node.opType);
  // Sorted so that the bytes do not depend on how a caller spelled its object literal.
  for (const name of Object.keys(node.attributes ?? {}).sort()) {
    const attribute = node.attributes?.[name];
    if (attribute) message.message(5, encodeAttribute(name, attribute));
  }
  if (node.domain) message.string(7, node.domain);
  return message;
}

export function encodeModel(model: ModelSpec): ProtoMessage {
  assertLittleEndianHost();
  const graph = new ProtoMessage();
  for (const node of model.graph.nodes) graph.message(1, encodeNode(node));
  graph.string(2, model.graph.name);
  for (const tensor of model.graph.initializers) graph.message(5, encodeTensor(tensor));
  for (const input of model.graph.inputs) graph.message(11, encodeValueInfo(input));
  for (const output of model.graph.outputs) graph.message(12, encodeValueInfo(output));

  const opset = new ProtoMessage().string(1, '').varint(2, model.opsetVersion);
  const message = new ProtoMessage()
    .varint(1, IR_VERSION)
    .string(2, model.producerName)
    .string(3, model.producerVersion)
    .message(7, graph)
    .message(8, opset);
  for (const key of Object.keys(model.metadata ?? {}).sort()) {
    const entry = new ProtoMessage().string(1, key).string(2, model.metadata?.[key] ?? '');
    message.message(14, entry);
  }
  return message;
}

/** Encodes and streams a model to `path`; returns its size in bytes. */
export function writeOnnxModel(path: string, model: ModelSpec): number {
  return writeProtoMessage(path, encodeModel(model));
}

// ---------------------------------------------------------------------------
// Small eager tensor payloads

export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const array = Float32Array.from(values);
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function int64Bytes(values: ArrayLike<number>): Uint8Array {
  const array = BigInt64Array.from(Array.from(values, (value) => BigInt(value)));
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
