import { BadRequestException } from '@nestjs/common';
import { isISO8601 } from 'class-validator';

/** An ISO 8601 date-time that names its zone, so no server setting decides what it means. */
export const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
export const ISO_DATE_TIME_MESSAGE = (field: string) =>
  `${field} must be an ISO 8601 date-time with a zone, such as 2026-11-26T08:30:00+08:00`;

/** Reads a date-time the DTO has checked for shape; a date that does not exist (2026-02-30) is a 400 too. */
export function parseInstant(value: string, field: string): Date {
  const instant = new Date(value);
  if (!isISO8601(value, { strict: true }) || Number.isNaN(instant.getTime()))
    throw new BadRequestException([ISO_DATE_TIME_MESSAGE(field)]);
  return instant;
}

/** Checks that `from` comes before `to` and, when a limit is given, that the span stays within it. */
export function checkRange(from: Date, to: Date, maxDays?: number): void {
  if (from.getTime() >= to.getTime()) throw new BadRequestException(['from must be before to']);
  if (maxDays !== undefined && to.getTime() - from.getTime() > maxDays * 86_400_000) {
    throw new BadRequestException([`to must be at most ${maxDays} days after from`]);
  }
}
