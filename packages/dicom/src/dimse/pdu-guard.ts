/**
 * Checks what an SCU sends before dcmjs-dimse sees it. dcmjs-dimse accumulates a PDU of whatever
 * length its header claims (up to 4 GiB, by repeated concatenation), and the dcmjs parser it reads
 * command sets with allocates whatever an element's length field says (a 160-byte P-DATA with a
 * forged length made it allocate 750 MB in the fuzz test). So this follows the PDU headers
 * (PS3.8 9.3), the PDV headers inside P-DATA-TF (9.3.5.1), and the command sets (PS3.7 6.3:
 * always Implicit VR Little Endian, a few hundred bytes), and says why the connection must go.
 */
export const PDU = { AssociateRq: 0x01, AssociateAc: 0x02, AssociateRj: 0x03, PData: 0x04, ReleaseRq: 0x05, ReleaseRp: 0x06, Abort: 0x07 } as const;

/** An A-ASSOCIATE-RQ with every SOP class we accept and a dozen syntaxes each is far below this. */
const MAX_ASSOCIATE_RQ_BYTES = 256 * 1024;
/** A command set is a handful of short elements. */
const MAX_COMMAND_BYTES = 16 * 1024;
const C_STORE_RQ = 0x0001;
const NO_DATA_SET = 0x0101;

export class PduGuard {
  private header = Buffer.alloc(6);
  private headerFill = 0;
  private remaining = 0;
  private seenAssociateRq = false;
  private pduType = 0;
  // Inside a P-DATA-TF body: the current PDV's 6-byte header, and what is left of its value.
  private pdvHeader = Buffer.alloc(6);
  private pdvFill = 0;
  private pdvRemaining = 0;
  private pdvIsCommand = false;
  private command: Buffer[] = [];
  private commandBytes = 0;
  /** Whether the last complete command announced a data set (only C-STORE-RQ may). */
  private expectDataSet = false;
  /** Longest P-DATA-TF variable field accepted: what we announced in the A-ASSOCIATE-AC. */
  maxPDataBytes = 0;

  /** Feed the next bytes from the socket; returns why the stream is invalid, or undefined. */
  feed(chunk: Buffer): string | undefined {
    let o = 0;
    while (o < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - o);
        if (this.pduType === PDU.PData) {
          const why = this.pdvs(chunk.subarray(o, o + n));
          if (why) return why;
        }
        this.remaining -= n;
        o += n;
        if (this.remaining === 0 && this.pduType === PDU.PData && (this.pdvFill !== 0 || this.pdvRemaining !== 0)) return 'a PDV runs past the end of its P-DATA-TF';
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
      this.pduType = this.header[0]!;
      this.remaining = this.header.readUInt32BE(2);
      if (this.pduType === PDU.PData && this.remaining === 0) return 'an empty P-DATA-TF';
    }
    return undefined;
  }

  /** Follow the PDVs of a P-DATA-TF body (which may arrive in pieces). */
  private pdvs(body: Buffer): string | undefined {
    let o = 0;
    while (o < body.length) {
      if (this.pdvRemaining > 0) {
        const n = Math.min(this.pdvRemaining, body.length - o);
        if (this.pdvIsCommand) {
          this.commandBytes += n;
          if (this.commandBytes > MAX_COMMAND_BYTES) return `a command set over ${MAX_COMMAND_BYTES} bytes`;
          this.command.push(Buffer.from(body.subarray(o, o + n)));
        }
        this.pdvRemaining -= n;
        o += n;
        if (this.pdvRemaining === 0 && this.pdvIsCommand && (this.pdvHeader[5]! & 2)) {
          const why = this.checkCommand(Buffer.concat(this.command));
          this.command = [];
          this.commandBytes = 0;
          if (why) return why;
        }
        continue;
      }
      const n = Math.min(6 - this.pdvFill, body.length - o);
      body.copy(this.pdvHeader, this.pdvFill, o, o + n);
      this.pdvFill += n;
      o += n;
      if (this.pdvFill < 6) break;
      this.pdvFill = 0;
      const itemLength = this.pdvHeader.readUInt32BE(0);
      if (itemLength < 2 || itemLength - 2 > this.remaining) return `a PDV item length of ${itemLength} that does not fit its P-DATA-TF`;
      const control = this.pdvHeader[5]!;
      if (control > 3) return `PDV message control header 0x${control.toString(16)}`;
      this.pdvIsCommand = (control & 1) === 1;
      if (!this.pdvIsCommand && !this.expectDataSet) return 'a data set fragment no command announced';
      if (!this.pdvIsCommand && (control & 2)) this.expectDataSet = false;
      this.pdvRemaining = itemLength - 2;
      if (this.pdvRemaining === 0 && this.pdvIsCommand && (control & 2)) {
        const why = this.checkCommand(Buffer.concat(this.command));
        this.command = [];
        this.commandBytes = 0;
        if (why) return why;
      }
    }
    return undefined;
  }

  /**
   * A complete command set: every element (tag, 32-bit length) inside the buffer, and a data set
   * announced only by a C-STORE-RQ: dcmjs-dimse would parse any other command's data set whole.
   */
  private checkCommand(cmd: Buffer): string | undefined {
    let o = 0;
    let field: number | undefined;
    let dataSetType: number | undefined;
    while (o < cmd.length) {
      if (o + 8 > cmd.length) return 'a truncated command set element';
      const group = cmd.readUInt16LE(o);
      const element = cmd.readUInt16LE(o + 2);
      const len = cmd.readUInt32LE(o + 4);
      if (group !== 0x0000) return `a command set element outside group 0000 (${group.toString(16)})`;
      if (len > cmd.length - o - 8) return `a command set element (0000,${element.toString(16).padStart(4, '0')}) longer than the command set`;
      if (element === 0x0100 && len === 2) field = cmd.readUInt16LE(o + 8);
      if (element === 0x0800 && len === 2) dataSetType = cmd.readUInt16LE(o + 8);
      o += 8 + len;
    }
    if (field === undefined || dataSetType === undefined) return 'a command set without CommandField (0000,0100) or CommandDataSetType (0000,0800)';
    this.expectDataSet = dataSetType !== NO_DATA_SET;
    if (this.expectDataSet && field !== C_STORE_RQ) return `command 0x${field.toString(16)} with a data set (only C-STORE-RQ may carry one here)`;
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
