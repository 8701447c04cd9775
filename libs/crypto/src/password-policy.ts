import { dictionary } from '@zxcvbn-ts/language-common';

/** The shortest password the service accepts, for people and for ADMIN_PASSWORD alike. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * The most common passwords, lower-cased: the `passwords-common` list of zxcvbn-ts (about 49,000 entries,
 * ranked from the published Xato corpus of ten million leaked passwords). Built on first use.
 */
let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common;
}

/** Why a password is refused, or null when it meets the policy. The reason does not repeat the password. */
export function passwordProblem(password: string): string | null {
  if ([...password].length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters long`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters long`;
  if (/^\s|\s$/.test(password)) return 'must not begin or end with white space';
  if (commonPasswords().has(password.toLowerCase())) return 'is one of the most common passwords';
  if (new Set(password).size < 4) return 'must use at least 4 different characters';
  return null;
}
