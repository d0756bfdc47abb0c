// dcmjs ships no types; only what the test re-encoder uses (test-reencode.ts) is declared.
declare module 'dcmjs' {
  interface DicomDict {
    meta: Record<string, { vr: string; Value: unknown[] }>;
    dict: Record<string, { vr: string; Value: unknown[] }>;
    write(opts?: { fragmentMultiframe?: boolean }): ArrayBuffer;
  }
  const dcmjs: {
    data: { DicomMessage: { readFile(buffer: ArrayBuffer, opts?: Record<string, unknown>): DicomDict } };
    log: { setLevel?(level: string): void };
  };
  export default dcmjs;
}
