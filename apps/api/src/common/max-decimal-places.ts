import { ValidateBy, type ValidationOptions } from 'class-validator';

/** True when `value` is a finite number with at most `places` decimals (1e-7 has seven). */
export function hasAtMostDecimals(value: unknown, places: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(places)) === value;
}

/**
 * A finite number with at most `places` decimals. class-validator's own `IsNumber({ maxDecimalPlaces })` reads
 * the decimals from the number's text and throws a TypeError on exponent notation (1e-7); this one does not.
 */
export function IsDecimal(places: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDecimal',
      constraints: [places],
      validator: {
        validate: (value: unknown) => hasAtMostDecimals(value, places),
        defaultMessage: (args) => `${args?.property} must be a number with at most ${places} decimals`,
      },
    },
    options,
  );
}
