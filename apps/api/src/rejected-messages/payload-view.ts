/** Control characters other than tab, line feed and carriage return make a payload unfit to show as text. */
function printable(text: string): boolean {
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if ((code < 0x20 && ch !== '\t' && ch !== '\n' && ch !== '\r') || code === 0x7f || code === 0xfffd) return false;
  }
  return true;
}

/** The raw bytes as base64, plus the text itself when the bytes are valid, printable UTF-8. */
export function payloadView(payload: Buffer | null): { payloadBase64: string | null; payloadPreview: string | null } {
  if (payload === null) return { payloadBase64: null, payloadPreview: null };
  let text: string | null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    text = null;
  }
  return {
    payloadBase64: payload.toString('base64'),
    payloadPreview: text !== null && printable(text) ? text : null,
  };
}
