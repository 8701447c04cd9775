import { BadRequestException, ParseUUIDPipe } from '@nestjs/common';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** `YYYY-MM-DD` naming a real calendar day (2026-02-30 is refused). */
export function isDay(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function IsDay(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDay',
      validator: {
        validate: (value: unknown) => isDay(value),
        defaultMessage: (args) => `${args?.property} must be a date as YYYY-MM-DD, got ${JSON.stringify(args?.value)}`,
      },
    },
    options,
  );
}

/** A path id that is not a UUID is a 400 naming `id`, like every other bad field. */
export const uuidParam = new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException(['id must be a UUID']) });
