import { createRequire } from 'node:module';
import { TaceError } from '@tace/common';
import { checkCodestream } from './codec-guard.ts';

/**
 * Decoders for compressed transfer syntaxes, from npm packages:
 * JPEG-LS (.80/.81) with CharLS, JPEG 2000 (.90/.91) with OpenJPEG and High-Throughput JPEG 2000
 * (HTJ2K, .201/.202/.203) with OpenJPH, all compiled to WASM by cornerstonejs; JPEG Lossless
 * process 14 (.57/.70) with jpeg-lossless-decoder-js. The WASM
 * modules initialise asynchronously, so `loadCodecs()` must have resolved before a compressed
 * frame is read; the study sources and assembleRoiCase call it. JPEG baseline/extended (lossy,
 * .50/.51) is not decoded: lossy images are unfit for radiomics.
 */

interface WasmFrameInfo { width: number; height: number; bitsPerSample: number; componentCount: number }
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): WasmFrameInfo;
  delete(): void;
}
interface CharlsModule { JpegLSDecoder: new () => WasmDecoder }
interface OpenJpegModule { J2KDecoder: new () => WasmDecoder }
interface OpenJphModule { HTJ2KDecoder: new () => WasmDecoder }
interface JpegLosslessModule { Decoder: new () => { decode(buf: ArrayBuffer, offset: number, length: number, numBytes: number): ArrayBufferView } }

interface Codecs { charls: CharlsModule; openjpeg: OpenJpegModule; openjph: OpenJphModule; lossless: JpegLosslessModule }

const require = createRequire(import.meta.url);
let loaded: Codecs | undefined;
let loading: Promise<Codecs> | undefined;

export const JPEG_LS_SYNTAXES: ReadonlySet<string> = new Set(['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81']);
export const JPEG_2000_SYNTAXES: ReadonlySet<string> = new Set(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91']);
export const JPEG_LOSSLESS_SYNTAXES: ReadonlySet<string> = new Set(['1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70']);
/** HTJ2K Lossless, HTJ2K Lossless RPCL, HTJ2K (lossy allowed). */
export const HTJ2K_SYNTAXES: ReadonlySet<string> = new Set(['1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203']);

export function isCodecSyntax(ts: string): boolean {
  return JPEG_LS_SYNTAXES.has(ts) || JPEG_2000_SYNTAXES.has(ts) || JPEG_LOSSLESS_SYNTAXES.has(ts) || HTJ2K_SYNTAXES.has(ts);
}

/** Load the WASM decoders once (about 50 ms). Safe to call many times. */
export async function loadCodecs(): Promise<void> {
  loading ??= (async () => {
    // Emscripten prints codec chatter ("[INFO] Start to read j2k main header") to stdout, which
    // would corrupt the services' JSON log stream: silence it.
    // Each module gets its own options object: Emscripten builds the module ON that object, so a
    // shared one makes the second module register its bindings over the first's (with three
    // modules, embind then refuses: "Cannot register multiple overloads").
    const quiet = () => ({ print: (): void => {}, printErr: (): void => {} });
    type Factory<M> = (opts: ReturnType<typeof quiet>) => Promise<M>;
    const charls = await (require('@cornerstonejs/codec-charls/decodewasmjs') as Factory<CharlsModule>)(quiet());
    const openjpeg = await (require('@cornerstonejs/codec-openjpeg/decodewasmjs') as Factory<OpenJpegModule>)(quiet());
    const openjph = await (require('@cornerstonejs/codec-openjph') as Factory<OpenJphModule>)(quiet());
    const lossless = require('jpeg-lossless-decoder-js') as JpegLosslessModule;
    loaded = { charls, openjpeg, openjph, lossless };
    return loaded;
  })();
  await loading;
}

function wasmDecode(dec: WasmDecoder, data: Uint8Array, expectBytes: number, what: string): Uint8Array {
  try {
    dec.getEncodedBuffer(data.length).set(data);
    dec.decode();
    const out = dec.getDecodedBuffer().slice(); // copy out of WASM memory before delete()
    if (out.length !== expectBytes) {
      throw new TaceError('DICOM_CODEC_ERROR', `${what} frame decoded to ${out.length} bytes, expected ${expectBytes}`);
    }
    return out;
  } catch (e) {
    if (e instanceof TaceError) throw e;
    throw new TaceError('DICOM_CODEC_ERROR', `${what} decoding failed`, { cause: e });
  } finally {
    dec.delete();
  }
}

/**
 * Decode one compressed frame into native little-endian bytes of `bitsAllocated` per sample.
 * Throws DICOM_TRANSFER_SYNTAX_UNSUPPORTED when the codecs are not loaded yet.
 */
export function decodeCompressedFrame(ts: string, data: Uint8Array, f: { rows: number; cols: number; samplesPerPixel: number; bitsAllocated: number }): Uint8Array {
  if (!loaded) {
    throw new TaceError('DICOM_TRANSFER_SYNTAX_UNSUPPORTED', `Transfer syntax ${ts} needs the image codecs: await loadCodecs() before reading pixels`,
      { detail: { transferSyntaxUid: ts } });
  }
  checkCodestream(ts, data, f); // before any decoder allocates what a damaged header says
  const bytesPerSample = Math.ceil(f.bitsAllocated / 8);
  const expect = f.rows * f.cols * f.samplesPerPixel * bytesPerSample;
  if (JPEG_LS_SYNTAXES.has(ts)) return wasmDecode(new loaded.charls.JpegLSDecoder(), data, expect, 'JPEG-LS');
  if (JPEG_2000_SYNTAXES.has(ts)) return wasmDecode(new loaded.openjpeg.J2KDecoder(), data, expect, 'JPEG 2000');
  if (HTJ2K_SYNTAXES.has(ts)) return wasmDecode(new loaded.openjph.HTJ2KDecoder(), data, expect, 'HTJ2K');
  if (JPEG_LOSSLESS_SYNTAXES.has(ts)) {
    let view: ArrayBufferView;
    try {
      view = new loaded.lossless.Decoder().decode(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength, bytesPerSample);
    } catch (e) {
      throw new TaceError('DICOM_CODEC_ERROR', 'JPEG Lossless decoding failed', { cause: e });
    }
    const out = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice(0, expect);
    if (out.length !== expect) throw new TaceError('DICOM_CODEC_ERROR', `JPEG Lossless frame decoded to ${out.length} bytes, expected ${expect}`);
    return out;
  }
  throw new TaceError('DICOM_TRANSFER_SYNTAX_UNSUPPORTED', `Pixel data in transfer syntax ${ts} cannot be decoded`, { detail: { transferSyntaxUid: ts } });
}
