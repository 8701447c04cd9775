import { isISO8601, ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * The most rows a list may skip. Far beyond any real list, and far below where a number turns into
 * exponent notation (1e21) or loses integer precision, so an offset always reaches SQL as plain digits.
 */
export const MAX_OFFSET = 1_000_000_000;

/**
 * A finite number with at most `places` decimals. class-validator's `maxDecimalPlaces` reads the digits
 * after a '.' in String(value), which 1e-7 does not have (it threw, a 500); this compares the value with
 * itself rounded to `places` instead.
 */
export function IsDecimalNumber(places: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDecimalNumber',
      constraints: [places],
      validator: {
        validate: (value: unknown) =>
          typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(places)) === value,
        defaultMessage: (args) => `${args?.property} must be a number with at most ${places} decimals`,
      },
    },
    options,
  );
}

/** An ISO 8601 date-time that names its zone (Z or an offset up to ±14:00), so no server setting decides what it means. */
const INSTANT_WITH_ZONE =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-](0\d|1[0-4]):?[0-5]\d)$/;

/**
 * A date-time with its zone that exists: the shape, and the calendar (2026-02-30 and +25:00 are refused here,
 * in the DTO, so the answer names this field even when another one is also wrong).
 */
export function IsInstantWithZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstantWithZone',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          INSTANT_WITH_ZONE.test(value) &&
          isISO8601(value, { strict: true }) &&
          !Number.isNaN(Date.parse(value)),
        defaultMessage: (args) =>
          `${args?.property} must be an ISO 8601 date-time with a zone, such as 2026-11-26T08:30:00+08:00`,
      },
    },
    options,
  );
}
