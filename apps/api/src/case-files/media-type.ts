import { fileTypeFromBuffer } from 'file-type';

/**
 * What an inspector may attach, judged from the bytes (magic numbers), never from the name or the type the
 * browser claims: photos, scanned records, audio of an admonishment talk (约谈) and video.
 */
const ACCEPTED: Record<string, string> = {
  'image/jpeg': 'image/jpeg',
  'image/png': 'image/png',
  'image/webp': 'image/webp',
  'image/heic': 'image/heic',
  'image/heif': 'image/heic',
  'application/pdf': 'application/pdf',
  'audio/mpeg': 'audio/mpeg',
  'audio/x-m4a': 'audio/mp4',
  'audio/mp4': 'audio/mp4',
  'audio/aac': 'audio/aac',
  'audio/wav': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'video/mp4': 'video/mp4',
};

export const ACCEPTED_MEDIA_TYPES = [...new Set(Object.values(ACCEPTED))];

export type MediaJudgement = { accepted: true; mediaType: string } | { accepted: false; detected: string };

export async function judgeMediaType(bytes: Buffer): Promise<MediaJudgement> {
  const found = await fileTypeFromBuffer(bytes);
  if (!found) return { accepted: false, detected: 'unknown (no known file signature)' };
  const mediaType = ACCEPTED[found.mime];
  return mediaType ? { accepted: true, mediaType } : { accepted: false, detected: found.mime };
}
