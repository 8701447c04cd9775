import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The typeface of the PDF reports: Noto Sans SC (Google and Adobe, SIL Open Font License 1.1, which allows
 * embedding it in documents and shipping it with software), from the npm package that carries it as
 * TrueType files. It covers the GB 18030 characters of names and places, which a Latin PDF font cannot show;
 * the PDF embeds only the glyphs a report uses, so a file stays small.
 */
const FONT_FILES = {
  regular: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  bold: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf',
} as const;

export type FontWeight = keyof typeof FONT_FILES;

const require = createRequire(import.meta.url);
const loaded = new Map<FontWeight, Buffer>();

/** The font file's bytes, read once per process (about 10 MB each). */
export function reportFont(weight: FontWeight): Buffer {
  let bytes = loaded.get(weight);
  if (!bytes) {
    bytes = readFileSync(require.resolve(FONT_FILES[weight]));
    loaded.set(weight, bytes);
  }
  return bytes;
}
