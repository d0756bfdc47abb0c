/**
 * Checks the PDU framing of what an SCU sends before dcmjs-dimse buffers it. dcmjs-dimse
 * accumulates a PDU of whatever length its header claims (up to 4 GiB, by repeated
 * concatenation), so one forged length would hold memory until the connection times out. This
 * reads only the 6-byte PDU headers (PS3.8 9.3) and says why the connection must be dropped.
 */
export const PDU = { AssociateRq: 0x01, AssociateAc: 0x02, AssociateRj: 0x03, PData: 0x04, ReleaseRq: 0x05, ReleaseRp: 0x06, Abort: 0x07 } as const;

/** An A-ASSOCIATE-RQ with every SOP class we accept and a dozen syntaxes each is far below this. */
const MAX_ASSOCIATE_RQ_BYTES = 256 * 1024;

export class PduGuard {
  private header = Buffer.alloc(6);
  private headerFill = 0;
  private remaining = 0;
  private seenAssociateRq = false;
  /** Longest P-DATA-TF variable field accepted: what we announced in the A-ASSOCIATE-AC. */
  maxPDataBytes = 0;

  /** Feed the next bytes from the socket; returns why the stream is invalid, or undefined. */
  feed(chunk: Buffer): string | undefined {
    let o = 0;
    while (o < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - o);
        this.remaining -= n;
        o += n;
        continue;
      }
      const n = Math.min(6 - this.headerFill, chunk.length - o);
      chunk.copy(this.header, this.headerFill, o, o + n);
      this.headerFill += n;
      o += n;
      if (this.headerFill < 6) break;
      this.headerFill = 0;
      const why = this.check(this.header[0]!, this.header.readUInt32BE(2));
      if (why) return why;
      this.remaining = this.header.readUInt32BE(2);
    }
    return undefined;
  }

  private check(type: number, length: number): string | undefined {
    switch (type) {
      case PDU.AssociateRq:
        if (this.seenAssociateRq) return 'a second A-ASSOCIATE-RQ on one association';
        this.seenAssociateRq = true;
        return length > MAX_ASSOCIATE_RQ_BYTES ? `A-ASSOCIATE-RQ of ${length} bytes (limit ${MAX_ASSOCIATE_RQ_BYTES})` : undefined;
      case PDU.PData:
        if (this.maxPDataBytes === 0) return 'P-DATA-TF before the association was accepted';
        return length > this.maxPDataBytes ? `P-DATA-TF of ${length} bytes, over the ${this.maxPDataBytes} announced` : undefined;
      case PDU.ReleaseRq:
      case PDU.ReleaseRp:
      case PDU.Abort:
        if (!this.seenAssociateRq) return 'a PDU before the A-ASSOCIATE-RQ';
        return length !== 4 ? `PDU type ${type} with length ${length} (must be 4)` : undefined;
      default:
        // A-ASSOCIATE-AC/RJ come from an SCP, never to one; anything else is not DICOM.
        return `unexpected PDU type 0x${type.toString(16).padStart(2, '0')}`;
    }
  }
}
