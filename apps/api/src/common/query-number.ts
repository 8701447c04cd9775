import { Transform } from 'class-transformer';

/**
 * A number from a query string: plain decimal digits only. `Number()` (what `@Type(() => Number)` does)
 * also reads '0x10', '1e20', ' 5 ' and '' (as 0); those become NaN here, so the field's own validators
 * answer 400 naming it, and a number reaches SQL only as the digits that were sent.
 */
export const QueryNumber = () =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    return /^-?\d{1,16}(\.\d{1,16})?$/.test(value) ? Number(value) : Number.NaN;
  });
