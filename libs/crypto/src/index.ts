export { hashSecret, newSecret, verifySecret } from './secrets.js';
export { hashPassword, verifyPassword } from './passwords.js';
