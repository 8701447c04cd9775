import type { ServerResponse } from 'node:http';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';

export type ContentCoding = 'br' | 'gzip' | 'identity';

/**
 * Levels chosen by measurement (docs/benchmarks.md, Track API): on a week of one car in the compact form,
 * gzip level 4 and brotli quality 4 compress about as well as their defaults at a fraction of the CPU, and
 * the time to compress is part of every answer.
 */
export const GZIP_LEVEL = 1;
export const BROTLI_QUALITY = 1;

/**
 * The coding to answer with for an Accept-Encoding header (RFC 9110 §12.5.3): the accepted coding with the
 * highest weight, brotli before gzip when both weigh the same; identity when neither is accepted.
 */
export function negotiateCoding(acceptEncoding: string | undefined): ContentCoding {
  if (!acceptEncoding) return 'identity';
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split('=');
      if (key === 'q') q = Number(value);
    }
    weights.set(name.trim(), Number.isFinite(q) ? q : 0);
  }
  const weight = (coding: string) => weights.get(coding) ?? weights.get('*') ?? 0;
  let best: ContentCoding = 'identity';
  let bestWeight = 0;
  for (const coding of ['br', 'gzip'] as const) {
    if (weight(coding) > bestWeight) {
      best = coding;
      bestWeight = weight(coding);
    }
  }
  return best;
}

/** A compressing stream for the coding, or null for identity. */
export function compressor(coding: ContentCoding): Transform | null {
  if (coding === 'gzip') return createGzip({ level: GZIP_LEVEL });
  if (coding === 'br') {
    return createBrotliCompress({
      params: {
        [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    });
  }
  return null;
}

const bytesOf = (piece: Uint8Array | string): Buffer =>
  typeof piece === 'string'
    ? Buffer.from(piece, 'utf8')
    : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);

/** Whether the stream ended because the client went away (nothing to report then). */
const clientLeft = (error: unknown) =>
  (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' ||
  (error as { code?: string }).code === 'ECONNRESET';

/**
 * Sends JSON text pieces as they come, compressed with `coding`. The first piece is awaited before anything
 * is written, so a failure until then (an unknown car, the database) becomes an ordinary error answer; a
 * failure after it can only cut the answer short, which leaves the client an unreadable body, never a
 * truncated one that parses.
 */
export async function sendJsonPieces(
  res: ServerResponse,
  pieces: AsyncGenerator<Uint8Array | string>,
  coding: ContentCoding,
  onFailure: (error: unknown) => void,
): Promise<void> {
  const first = await pieces.next();
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Vary', 'Accept-Encoding');
  if (coding !== 'identity') res.setHeader('Content-Encoding', coding);
  async function* bytes(): AsyncGenerator<Buffer> {
    if (first.done) return;
    yield bytesOf(first.value);
    for (let piece = await pieces.next(); !piece.done; piece = await pieces.next()) yield bytesOf(piece.value);
  }
  const source = Readable.from(bytes(), { objectMode: false });
  const zip = compressor(coding);
  try {
    await (zip ? pipeline(source, zip, res) : pipeline(source, res));
  } catch (error) {
    await pieces.return(undefined);
    if (!clientLeft(error)) onFailure(error);
  }
}
