import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#app/config';
import type { Role } from '#app/db';
import { hashPassword, hashSecret, newSecret, verifyPassword } from '#app/crypto';
import type { Principal } from './principal.js';
import { FailureThrottle } from './failure-throttle.js';

interface TokenClaims {
  sub: string;
  name: string;
  roles: Role[];
  unit: string | null;
}

/** How precisely an API key's last use is recorded. */
const KEY_STAMP_MS = 60_000;
/** How long a checked API key is trusted without asking the table again, and how many are kept. */
const KEY_CACHE_MS = 5_000;
const KEY_CACHE_MAX = 10_000;

/** A well-formed argon2id hash of a random password: verifying against it costs as much as a real check. */
let decoyHash: Promise<string> | undefined;

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');
  readonly throttle = new FailureThrottle();
  /** API key id → when this process last stamped its last_used_at. */
  private readonly keyStampedAt = new Map<string, number>();
  /** API key hash → its principal, until when it is trusted without a look-up. */
  private readonly keyCache = new Map<string, { principal: Principal; until: number }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** On first start an `admin` exists: its password from ADMIN_PASSWORD, or generated and logged once. */
  async onApplicationBootstrap(): Promise<void> {
    const generated = this.config.adminPassword === undefined;
    const password = this.config.adminPassword ?? newSecret(12);
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO users (username, password_hash, roles) VALUES ('admin', $1, '{admin}')
       ON CONFLICT (username) DO NOTHING RETURNING id`,
      [await hashPassword(password)],
    );
    if (inserted.length > 0 && generated) {
      this.logger.warn(`First start: user "admin" created with password ${password} — change it or set ADMIN_PASSWORD`);
    }
  }

  /** Returns a token, or null for any wrong credential (the caller cannot tell which part was wrong). */
  async signIn(
    username: string,
    password: string,
  ): Promise<{ accessToken: string; expiresIn: number; roles: Role[] } | null> {
    const rows: { id: string; password_hash: string; roles: Role[]; unit_id: string | null; active: boolean }[] =
      await this.db.query('SELECT id, password_hash, roles, unit_id, active FROM users WHERE username = $1', [
        username,
      ]);
    const user = rows[0];
    // Verify against a decoy when the user does not exist so both answers take as long.
    decoyHash ??= hashPassword(newSecret());
    const ok = await verifyPassword(password, user?.password_hash ?? (await decoyHash));
    if (!user || !user.active || !ok) return null;
    const claims: TokenClaims = { sub: user.id, name: username, roles: user.roles, unit: user.unit_id };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.config.jwtTtlSeconds });
    return { accessToken, expiresIn: this.config.jwtTtlSeconds, roles: user.roles };
  }

  /** Resolves a bearer credential: a JWT of a user, or an API key. Null when it is not valid now. */
  async authenticate(bearer: string): Promise<Principal | null> {
    if (bearer.split('.').length === 3) {
      try {
        const claims = await this.jwt.verifyAsync<TokenClaims>(bearer);
        return { kind: 'user', id: claims.sub, name: claims.name, roles: claims.roles, unitId: claims.unit };
      } catch {
        return null;
      }
    }
    // A key is looked up in the table at most every few seconds (a round trip per call is most of what a
    // payment-gate check costs); revoking through this service drops it from the cache at once.
    const keyHash = hashSecret(bearer);
    const now = Date.now();
    const cached = this.keyCache.get(keyHash);
    if (cached && cached.until > now) return cached.principal;
    const rows: { id: string; name: string; roles: Role[] }[] = await this.db.query(
      `SELECT id, name, roles FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    const key = rows[0];
    if (!key) {
      this.keyCache.delete(keyHash);
      return null;
    }
    // Recording every use would make all calls with one key queue on that row; a minute's precision is enough.
    if (now - (this.keyStampedAt.get(key.id) ?? -Infinity) >= KEY_STAMP_MS) {
      this.keyStampedAt.set(key.id, now);
      await this.db.query(
        `UPDATE api_keys SET last_used_at = now()
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [key.id],
      );
    }
    const principal: Principal = { kind: 'api-key', id: key.id, name: key.name, roles: key.roles, unitId: null };
    if (this.keyCache.size >= KEY_CACHE_MAX) this.keyCache.clear();
    this.keyCache.set(keyHash, { principal, until: now + KEY_CACHE_MS });
    return principal;
  }

  /** A key was revoked: it stops working here at once (other instances drop it within KEY_CACHE_MS). */
  forgetApiKey(id: string): void {
    for (const [hash, entry] of this.keyCache) if (entry.principal.id === id) this.keyCache.delete(hash);
  }
}
