import { ConflictException } from '@nestjs/common';

const UNIQUE_VIOLATION = '23505';

/** Turns a unique-key violation into a 409 with a message the caller can act on. */
export async function conflictOnUnique<T>(work: Promise<T>, message: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictException(message);
    throw error;
  }
}

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e?.code === UNIQUE_VIOLATION || e?.driverError?.code === UNIQUE_VIOLATION;
}
