import {
  decodeFrame,
  encodeFrame,
  encodePackets,
  FrameSplitter,
  MSG,
  parseAuthentication,
  parseDriverIdentity,
  parseLocation,
  parseLocationBatch,
  parseRegistration,
  parseRerequest,
  parseTerminalResponse,
  parseTextMessage,
  Reassembler,
  REASSEMBLY_TIMEOUT_MS,
  REREQUEST_AFTER_MS,
  rerequestBody,
  type Jt808Frame,
} from '#app/jt808';

/** Frame content between the delimiters, from a published hex string `7e…7e`. */
const content = (hex: string) => Buffer.from(hex.slice(2, -2), 'hex');
const ok = (hex: string): Jt808Frame => {
  const result = decodeFrame(content(hex));
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  return result.frame;
};
const value = <T>(parsed: { ok: true; value: T } | { ok: false; detail: string }): T => {
  if (!parsed.ok) throw new Error(parsed.detail);
  return parsed.value;
};

// Real frames as published by open-source JT/T 808 servers:
//   SmallChi/JT808 (.NET): README.md and src/JT808.Protocol.Test/MessageBody/*Test.cs
//   yezhihao/jt808-server (Java): jtt808-protocol/src/test/resources/JT808.txt (2013 and 2019 pairs)
//   traccar/traccar: src/test/java/org/traccar/protocol/Jt808ProtocolDecoderTest.java (device captures)
const SMALLCHI_README_0200 =
  '7E02000026123456789012007D02000000010000000200BA7F0E07E4F11C0028003C00001810151010100104000000640202007D01137E';
const SMALLCHI_0200 =
  '7E020000260112233445500000000000010000000200BA7F0E07E4F11C0028003C000018071510101001040000006402020037AB7E';
const YEZHIHAO_0200_2019 =
  '7e0200407c0100000000017299841738ffff000004000000080006eeb6ad02633df701380003006320070719235901040000000b02020016030200210402002c051e3737370000000000000000000000000000000000000000000000000000001105420000004212064d0000004d4d1307000000580058582504000000632a02000a2b040000001430011e310128637e';
const YEZHIHAO_0200_2013 =
  '7e0200007c0123456789017fff000004000000080006eeb6ad02633df701380003006320070719235901040000000b02020016030200210402002c051e3737370000000000000000000000000000000000000000000000000000001105420000004212064d0000004d4d1307000000580058582504000000632a02000a2b040000001430011e3101286b7e';
const SMALLCHI_0704 =
  '7E0704005311223344556622B80002000026000000010000000200BA7F0E07E4F11C0028003C0000180715101010010400000064020200370026000000020000000100CB735507E6A32300290036007818071510103001040000006002020042D47E';
const YEZHIHAO_0704_BLIND =
  '7e0704005d0123456789017fff000301001c000004000000080006eeb6ad02633df7013800030063200707192359001c000004000000080006eeb6ad02633df7013800030063200707192359001c000004000000080006eeb6ad02633df7013800030063200707192359067e';
const TRACCAR_0704_2019 =
  '7e0704402d0100000866496077582164881d0001000028000000000000000701a00192091f2a4700160000000226050916422701040000258230010031010e507e';
const SMALLCHI_0100_2013 =
  '7E0100002D000123456789000A002800323132333400736D616C6C6368693132330000000000000000004348493132330001D4C14131323334358A7E';
const SMALLCHI_0100_2019 =
  '7E010040540100000000000123456789000A002800323132333400000000000000736D616C6C6368693132330000000000000000000000000000000000000043484931323300000000000000000000000000000000000000000000000001D4C1413132333435B27E';
const YEZHIHAO_0102_2013 = '7e0102000b0123456789017fff6162634031323326343536017e';
const YEZHIHAO_0001 = '7e000100050123456789017fff007b01c803bd7e';
const YEZHIHAO_0702_2013 =
  '7e0702004e0123456789017fff022007211830000004d5c5c8fd000000000000003132333435363738393031323328d6d0bbaac8cbc3f1b9b2bacdb9fab5c0c2b7d4cbcae4b4d3d2b5c8cbd4b1b4d3d2b5d7cab8f1d6a420190630307e';
const YEZHIHAO_0702_2019 =
  '7e0702404e0100000000017299841738ffff022007211830000004d5c5c8fd000000000000003132333435363738393031323328d6d0bbaac8cbc3f1b9b2bacdb9fab5c0c2b7d4cbcae4b4d3d2b5c8cbd4b1b4d3d2b5d7cab8f1d6a420190630387e';
const YEZHIHAO_8003_2013 = '7e800300150123456789017fff1099090001000200030004000500060007000800091f7e';
const YEZHIHAO_8003_2019 = '7e800340160100000000017299841738ffff10990009000100020003000400050006000700080009147e';
const YEZHIHAO_8300_2013 = '7e830000180123456789017fff09b2e2cad43132334034353623616263212e2e2ebde1caf8b17e';
const YEZHIHAO_8300_2019 = '7e830040190100000000017299841738ffff3f01b2e2cad43132334034353623616263212e2e2ebde1caf88f7e';

describe('JT/T 808 frame header', () => {
  it.each([
    [
      'SmallChi README 0x0200 (serial escaped as 7d 02)',
      SMALLCHI_README_0200,
      0x0200,
      2013,
      '123456789012',
      '123456789012',
      126,
    ],
    ['SmallChi 0x0200', SMALLCHI_0200, 0x0200, 2013, '011223344550', '11223344550', 0],
    ['yezhihao 0x0200 2019', YEZHIHAO_0200_2019, 0x0200, 2019, '00000000017299841738', '17299841738', 65535],
    ['yezhihao 0x0200 2013', YEZHIHAO_0200_2013, 0x0200, 2013, '012345678901', '12345678901', 32767],
    ['SmallChi 0x0704', SMALLCHI_0704, 0x0704, 2013, '112233445566', '112233445566', 8888],
    ['traccar 0x0704 2019', TRACCAR_0704_2019, 0x0704, 2019, '00000866496077582164', '866496077582164', 34845],
    ['SmallChi 0x0100 2019', SMALLCHI_0100_2019, 0x0100, 2019, '00000000000123456789', '123456789', 10],
  ])(
    'reads %s: id, edition, BCD terminal number, serial; check code verified',
    (_, hex, msgId, edition, phone, id, serial) => {
      const { header } = ok(hex);
      expect(header).toMatchObject({ msgId, edition, phone, terminalId: id, serial, packet: null, encryption: 0 });
      expect(header.protocolVersion).toBe(edition === 2019 ? 1 : null);
    },
  );

  it.each([
    ['yezhihao 0x0200 2013', YEZHIHAO_0200_2013],
    ['yezhihao 0x0200 2019', YEZHIHAO_0200_2019],
    ['SmallChi README 0x0200', SMALLCHI_README_0200],
    ['yezhihao 0x8300 2019', YEZHIHAO_8300_2019],
  ])('re-encodes %s byte for byte', (_, hex) => {
    const { header, body } = ok(hex);
    const again = encodeFrame({ ...header, body });
    expect(again.toString('hex')).toBe(hex.toLowerCase());
  });

  it('rejects a wrong check code as CHECKSUM and still reads the header for the reply', () => {
    const bytes = content(SMALLCHI_0200);
    bytes[bytes.length - 1] ^= 0xff;
    const result = decodeFrame(bytes);
    expect(result).toMatchObject({ ok: false, reason: 'CHECKSUM', header: { msgId: 0x0200, serial: 0 } });
  });

  it.each([
    ['0x7d followed by 0x03', '7d03', 'FRAME', /0x7d at offset/],
    ['0x7d as the last byte', '7d', 'FRAME', /0x7d at offset/],
  ])('rejects a bad escape (%s) as FRAME', (_, tail, reason, detail) => {
    const bytes = Buffer.concat([content(SMALLCHI_0200).subarray(0, 20), Buffer.from(tail, 'hex')]);
    const result = decodeFrame(bytes);
    expect(result).toMatchObject({ ok: false, reason });
    if (!result.ok) expect(result.detail).toMatch(detail);
  });

  it('rejects a body shorter than its declared length as FRAME with the header readable', () => {
    const frame = encodeFrame({
      msgId: 0x0200,
      edition: 2013,
      phone: '13800000001',
      serial: 7,
      body: Buffer.alloc(28),
    });
    const raw = Buffer.from(content(frame.toString('hex')));
    raw.writeUInt16BE(40, 2); // declares 40 bytes, carries 28
    raw[raw.length - 1] = raw.subarray(0, -1).reduce((x, b) => x ^ b, 0);
    const result = decodeFrame(raw);
    expect(result).toMatchObject({ ok: false, reason: 'FRAME', header: { serial: 7 } });
  });

  it('rejects a frame too short for a header as FRAME with no header', () => {
    expect(decodeFrame(Buffer.from('0200000012', 'hex'))).toMatchObject({ ok: false, reason: 'FRAME', header: null });
  });

  it('rejects an unescaped frame over 4 KiB as FRAME', () => {
    expect(decodeFrame(Buffer.alloc(4097, 1))).toMatchObject({ ok: false, reason: 'FRAME' });
  });

  it.each([
    ['7e', 0x7e],
    ['7d', 0x7d],
  ])('escapes 0x%s at every boundary: first body byte, last body byte, serial, check code', (_, special) => {
    for (const at of ['first', 'last']) {
      const body = Buffer.alloc(10, 0x11);
      body[at === 'first' ? 0 : 9] = special;
      const frame = encodeFrame({ msgId: 0x0200, edition: 2019, phone: '13800000001', serial: special, body });
      expect(frame.subarray(1, -1).includes(0x7e)).toBe(false);
      const decoded = ok(frame.toString('hex'));
      expect(decoded.body).toEqual(body);
      expect(decoded.header.serial).toBe(special);
    }
    // A check code that is itself 0x7e/0x7d: find a serial that makes it so.
    for (let serial = 0; serial < 256; serial++) {
      const frame = encodeFrame({ msgId: 0x0002, edition: 2013, phone: '1', serial });
      if (frame.subarray(-3, -1).equals(Buffer.from([0x7d, special === 0x7e ? 0x02 : 0x01]))) {
        expect(ok(frame.toString('hex')).header.serial).toBe(serial);
        return;
      }
    }
    throw new Error('no serial gave that check code');
  });
});

describe('JT/T 808 stream splitting', () => {
  const a = encodeFrame({ msgId: 0x0002, edition: 2013, phone: '13800000001', serial: 1 });
  const b = encodeFrame({ msgId: 0x0002, edition: 2019, phone: '13800000001', serial: 2 });

  it('cuts frames split at every byte, with shared and doubled delimiters and leading noise', () => {
    const stream = Buffer.concat([Buffer.from('noise'), a, b.subarray(1), a, b]);
    for (let cut = 0; cut < stream.length; cut++) {
      const splitter = new FrameSplitter();
      const out = [...splitter.push(stream.subarray(0, cut)), ...splitter.push(stream.subarray(cut))];
      expect(out.map((s) => s.kind)).toEqual(['frame', 'frame', 'frame', 'frame']);
      expect(out.map((s) => (decodeFrame(s.content) as { ok: true; frame: Jt808Frame }).frame.header.serial)).toEqual([
        1, 2, 1, 2,
      ]);
    }
  });

  it('gives up content that runs past twice the frame limit without a delimiter, then reads on', () => {
    const splitter = new FrameSplitter();
    const out = [...splitter.push(Buffer.concat([Buffer.from([0x7e]), Buffer.alloc(9000, 1)])), ...splitter.push(a)];
    expect(out.map((s) => s.kind)).toEqual(['overlong', 'frame']);
    expect(out[0].content.length).toBe(4096);
  });
});

describe('JT/T 808 message bodies', () => {
  it('0x0200 (SmallChi README): SOS alarm, fix, 12.222222 / 132.444444, 6 km/h, 2018-10-15 10:10:10 +08, mileage and fuel', () => {
    const location = value(parseLocation(ok(SMALLCHI_README_0200).body));
    expect(location).toMatchObject({
      alarm: 1,
      status: 2,
      latE6: 12_222_222,
      lonE6: 132_444_444,
      altitudeM: 40,
      speedDkmh: 60,
      direction: 0,
      fixTime: Date.UTC(2018, 9, 15, 2, 10, 10),
    });
    expect(location.items).toEqual([
      { id: 0x01, value: Buffer.from('00000064', 'hex') },
      { id: 0x02, value: Buffer.from('007d', 'hex') },
    ]);
  });

  it('0x0200 2019 (yezhihao): all additional items read, time 2020-07-07 19:23:59 +08', () => {
    const location = value(parseLocation(ok(YEZHIHAO_0200_2019).body));
    expect(location.fixTime).toBe(Date.UTC(2020, 6, 7, 11, 23, 59));
    expect(location.items.map((i) => i.id)).toEqual([
      0x01, 0x02, 0x03, 0x04, 0x05, 0x11, 0x12, 0x13, 0x25, 0x2a, 0x2b, 0x30, 0x31,
    ]);
    expect(location.alarm).toBe(0x400);
  });

  it('0x0704 (SmallChi): a normal batch of two', () => {
    const batch = value(parseLocationBatch(ok(SMALLCHI_0704).body));
    expect(batch).toMatchObject({ type: 0, declared: 2 });
    const [first, second] = batch.items.map((i) => value(parseLocation(i.body)));
    expect(first).toMatchObject({ alarm: 1, latE6: 12_222_222 });
    expect(second).toMatchObject({ alarm: 2, status: 1, latE6: 13_333_333, altitudeM: 41, direction: 120 });
  });

  it('0x0704 (yezhihao): a blind-area batch of three', () => {
    const batch = value(parseLocationBatch(ok(YEZHIHAO_0704_BLIND).body));
    expect(batch.type).toBe(1);
    expect(batch.items).toHaveLength(3);
  });

  it('0x0704 2019 (traccar device): southern hemisphere, 14 satellites', () => {
    const batch = value(parseLocationBatch(ok(TRACCAR_0704_2019).body));
    const location = value(parseLocation(batch.items[0].body as Buffer));
    expect(location.status & 0x4).toBe(0x4);
    expect(location.latE6).toBe(27_263_378);
    expect(location.items.find((i) => i.id === 0x31)?.value[0]).toBe(14);
  });

  it.each([
    ['2013', SMALLCHI_0100_2013, 2013 as const],
    ['2019', SMALLCHI_0100_2019, 2019 as const],
  ])('0x0100 %s (SmallChi): maker, model, id and the GBK plate 粤A12345', (_, hex, edition) => {
    expect(value(parseRegistration(ok(hex).body, edition))).toEqual({
      province: 40,
      city: 50,
      maker: '1234',
      model: 'smallchi123',
      deviceId: 'CHI123',
      plateColour: 1,
      plate: '粤A12345',
    });
  });

  it('0x0102 2013 (yezhihao): the whole body is the code', () => {
    expect(value(parseAuthentication(ok(YEZHIHAO_0102_2013).body, 2013)).code).toBe('abc@123&456');
  });

  it('0x0001 (yezhihao): the terminal answers serial 123 of 0x01c8 with result 3', () => {
    expect(value(parseTerminalResponse(ok(YEZHIHAO_0001).body))).toEqual({
      ackSerial: 123,
      ackMsgId: 0x01c8,
      result: 3,
    });
  });

  it.each([
    ['2013', YEZHIHAO_0702_2013, 2013 as const],
    ['2019', YEZHIHAO_0702_2019, 2019 as const],
  ])('0x0702 %s (yezhihao): a card removed at 2020-07-21 18:30:00 +08', (_, hex, edition) => {
    expect(value(parseDriverIdentity(ok(hex).body, edition))).toMatchObject({
      state: 2,
      at: Date.UTC(2020, 6, 21, 10, 30, 0),
      name: null,
    });
  });

  it.each([
    ['2013', YEZHIHAO_8003_2013, 2013 as const],
    ['2019', YEZHIHAO_8003_2019, 2019 as const],
  ])('0x8003 %s (yezhihao) is what rerequestBody writes', (_, hex, edition) => {
    const frame = ok(hex);
    expect(value(parseRerequest(frame.body, edition))).toEqual({
      firstSerial: 0x1099,
      missing: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    });
    expect(rerequestBody(0x1099, [1, 2, 3, 4, 5, 6, 7, 8, 9], edition)).toEqual(frame.body);
  });

  it.each([
    ['2013', YEZHIHAO_8300_2013, 2013 as const],
    ['2019', YEZHIHAO_8300_2019, 2019 as const],
  ])('0x8300 %s (yezhihao): GBK text read back', (_, hex, edition) => {
    expect(value(parseTextMessage(ok(hex).body, edition)).text).toBe('测试123@456#abc!...结束');
  });
});

describe('JT/T 808 sub-packets', () => {
  const body = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251));
  const packets = encodePackets(
    { msgId: MSG.LOCATION_BATCH, edition: 2019, phone: '13800000001', serial: 65534, body },
    1000,
  );
  const frames = packets.map((p) => ok(p.toString('hex')));

  it('splits a long body into numbered packets with consecutive serials (wrapping at 65535)', () => {
    expect(frames.map((f) => [f.header.serial, f.header.packet])).toEqual([
      [65534, { total: 3, index: 1 }],
      [65535, { total: 3, index: 2 }],
      [0, { total: 3, index: 3 }],
    ]);
  });

  it.each([[[0, 1, 2]], [[2, 1, 0]], [[1, 2, 0]], [[2, 0, 1]]])('reassembles packets arriving in order %j', (order) => {
    const reassembler = new Reassembler();
    const results = order.map((i) => reassembler.push(frames[i], 0));
    const complete = results.at(-1)!;
    expect(results.slice(0, -1).every((r) => r.kind === 'waiting')).toBe(true);
    expect(complete.kind).toBe('complete');
    if (complete.kind === 'complete') {
      expect(complete.frame.body).toEqual(body);
      expect(complete.frame.header).toMatchObject({ serial: 65534, packet: null, msgId: MSG.LOCATION_BATCH });
    }
    expect(reassembler.size).toBe(0);
  });

  it('asks again for the missing packets after 5 s of quiet, then gives up at 60 s', () => {
    const reassembler = new Reassembler();
    reassembler.push(frames[1], 1000);
    expect(reassembler.due(1000 + REREQUEST_AFTER_MS - 1).rerequests).toEqual([]);
    const { rerequests } = reassembler.due(1000 + REREQUEST_AFTER_MS);
    expect(rerequests).toEqual([expect.objectContaining({ firstSerial: 65534, missing: [1, 3] })]);
    expect(reassembler.due(1000 + REREQUEST_AFTER_MS + 1).rerequests).toEqual([]);
    const { expired } = reassembler.due(1000 + REASSEMBLY_TIMEOUT_MS);
    expect(expired).toEqual([expect.objectContaining({ received: 1 })]);
    expect(reassembler.size).toBe(0);
  });
});
