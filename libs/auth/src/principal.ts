import type { Role } from '#app/db';

/** Who is calling: a signed-in person or an API key of another system. */
export interface Principal {
  kind: 'user' | 'api-key';
  id: string;
  name: string;
  roles: Role[];
  /** The unit a unit clerk belongs to. */
  unitId: string | null;
  /** A password someone else set: until its owner replaces it, only the password change is open to them. */
  mustChangePassword?: boolean;
}
