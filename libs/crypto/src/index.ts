export { hashSecret, newSecret, verifySecret } from './secrets.js';
export { hashPassword, verifyPassword } from './passwords.js';
export { passwordProblem, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-policy.js';
