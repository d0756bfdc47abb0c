/**
 * A hand-written ONNX protobuf encoder for tests: just enough of onnx.proto (ModelProto,
 * GraphProto, NodeProto, TensorProto, ValueInfoProto) to write a tiny graph whose outputs can be
 * computed by hand. Field numbers from onnx/onnx.proto3.
 */

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const enc = new TextEncoder();
type Bytes = number[];
const fVarint = (field: number, n: number): Bytes => [...varint(field << 3), ...varint(n)];
const fBytes = (field: number, b: ArrayLike<number>): Bytes => [...varint((field << 3) | 2), ...varint(b.length), ...Array.from(b)];
const fString = (field: number, s: string): Bytes => fBytes(field, enc.encode(s));

const FLOAT = 1;

function valueInfo(name: string, dims: number[]): Bytes {
  const shape = dims.flatMap((d) => fBytes(1, fVarint(1, d))); // TensorShapeProto.dim{dim_value}
  const tensorType = [...fVarint(1, FLOAT), ...fBytes(2, shape)]; // TypeProto.Tensor{elem_type, shape}
  return [...fString(1, name), ...fBytes(2, fBytes(1, tensorType))]; // ValueInfoProto{name, type{tensor_type}}
}

function floatTensor(name: string, dims: number[], values: number[]): Bytes {
  const raw = new Uint8Array(Float32Array.from(values).buffer);
  return [...dims.flatMap((d) => fVarint(1, d)), ...fVarint(2, FLOAT), ...fString(8, name), ...fBytes(9, raw)];
}

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  intAttrs?: Record<string, number>;
}

function node(n: NodeSpec): Bytes {
  const attrs = Object.entries(n.intAttrs ?? {}).flatMap(([k, v]) =>
    fBytes(5, [...fString(1, k), ...fVarint(3, v), ...fVarint(20, 2 /* AttributeType INT */)]),
  );
  return [...n.inputs.flatMap((s) => fString(1, s)), ...n.outputs.flatMap((s) => fString(2, s)), ...fString(4, n.op), ...attrs];
}

/**
 * features[1, k] = Flatten(image[1, 1, nz, ny, nx]) · W, W given row-major [nx·ny·nz, k].
 */
export function linearFeatureModel(opts: {
  inputName: string;
  outputName: string;
  inputDims: number[];
  weights: number[][];
}): Uint8Array {
  const nIn = opts.weights.length;
  const k = opts.weights[0].length;
  const graph = [
    ...fBytes(1, node({ op: 'Flatten', inputs: [opts.inputName], outputs: ['flat'], intAttrs: { axis: 1 } })),
    ...fBytes(1, node({ op: 'MatMul', inputs: ['flat', 'W'], outputs: [opts.outputName] })),
    ...fString(2, 'tiny-linear'),
    ...fBytes(5, floatTensor('W', [nIn, k], opts.weights.flat())),
    ...fBytes(11, valueInfo(opts.inputName, opts.inputDims)),
    ...fBytes(12, valueInfo(opts.outputName, [1, k])),
  ];
  const model = [
    ...fVarint(1, 7), // ir_version
    ...fString(2, 'tace-risk-test'),
    ...fBytes(7, graph),
    ...fBytes(8, [...fString(1, ''), ...fVarint(2, 13)]), // opset_import {domain "", version 13}
  ];
  return Uint8Array.from(model);
}
