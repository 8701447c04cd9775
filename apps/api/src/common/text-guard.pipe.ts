import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Deeper than any DTO of this API; deeper input is refused before anything walks it recursively. */
export const MAX_INPUT_DEPTH = 32;

/** Why a string cannot be taken as text, or null when it can. */
function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  // A lone surrogate has no UTF-8 form: it would be stored as U+FFFD, i.e. not as sent.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) {
    return 'must not contain an unpaired UTF-16 surrogate';
  }
  return null;
}

function walk(value: unknown, path: string, depth: number, problems: string[]): void {
  if (problems.length >= 20) return;
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) problems.push(`${path || 'value'} ${problem}`);
    return;
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  if (depth > MAX_INPUT_DEPTH) {
    problems.push(`${path || 'body'} is nested deeper than ${MAX_INPUT_DEPTH} levels`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1, problems));
    return;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const keyProblem = textProblem(key);
    const name = path ? `${path}.${key}` : key;
    if (keyProblem) problems.push(`the field name ${JSON.stringify(name)} ${keyProblem}`);
    else walk(item, name, depth + 1, problems);
  }
}

/**
 * Runs before validation on every body, query and path parameter: text PostgreSQL cannot store as sent
 * (a NUL byte, an unpaired surrogate) and absurdly deep structures answer 400 naming the field, instead of
 * failing later in the database (500, or the payment gate's 503) or in a recursive walk.
 */
@Injectable()
export class TextGuardPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problems: string[] = [];
    // A single named parameter (`@Query('plate')`, `@Param('id')`) is named by that name.
    const root = metadata.data ?? '';
    walk(value, root, 0, problems);
    if (problems.length > 0) throw new BadRequestException(problems);
    return value;
  }
}
