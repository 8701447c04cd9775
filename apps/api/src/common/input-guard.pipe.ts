import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/** The largest whole number a JSON number carries exactly; anything larger would reach SQL as `1e+20`. */
export const LARGEST_NUMBER = Number.MAX_SAFE_INTEGER;

/**
 * Refuses, with a 400 naming each field, input that PostgreSQL cannot take and the validators let through:
 * a NUL character in any text (PostgreSQL text cannot hold it) and a number beyond ±2^53 (it would reach
 * SQL in exponent notation or lose digits). Runs after the ValidationPipe on bodies, queries and path
 * parameters, so it sees the values as the handlers get them.
 */
@Injectable()
export class InputGuardPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' && metadata.type !== 'query' && metadata.type !== 'param') return value;
    const problems: string[] = [];
    inspect(value, metadata.data ?? '', problems, 0);
    if (problems.length > 0) throw new BadRequestException(problems);
    return value;
  }
}

function inspect(value: unknown, path: string, problems: string[], depth: number): void {
  const name = path || 'body';
  if (typeof value === 'string') {
    if (value.includes('\u0000')) problems.push(`${name} must not contain a NUL character (\\u0000)`);
  } else if (typeof value === 'number') {
    if (Math.abs(value) > LARGEST_NUMBER)
      problems.push(`${name} must be between -${LARGEST_NUMBER} and ${LARGEST_NUMBER}`);
  } else if (Array.isArray(value)) {
    if (depth < 32) value.forEach((item, i) => inspect(item, `${name}[${i}]`, problems, depth + 1));
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && depth < 32) {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000'))
        problems.push(`${path ? `${path}.` : ''}property names must not contain a NUL character`);
      inspect(item, path ? `${path}.${key}` : key, problems, depth + 1);
    }
  }
}
