import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#app/config';
import type { Role } from '#app/db';
import { hashPassword, hashSecret, newSecret, verifyPassword } from '#app/crypto';
import { HistoryService } from '#app/history';
import { announceLater } from '#app/logging';
import { resetAdminPassword, temporaryPassword } from './accounts.js';
import type { Principal } from './principal.js';
import { FailureThrottle } from './failure-throttle.js';

interface TokenClaims {
  sub: string;
  name: string;
  roles: Role[];
  unit: string | null;
  /** Issued at, milliseconds: a token is refused when issued before its user's last reset or disabling. */
  iatMs?: number;
}

/** What a token's user is now: roles, unit and state are read from here, not from the token. */
interface UserState {
  active: boolean;
  roles: Role[];
  unitId: string | null;
  mustChangePassword: boolean;
  /** Tokens issued before this (an admin's reset, disabling) are refused. */
  tokensValidAfter: number | null;
}

/** How precisely an API key's last use is recorded. */
const KEY_STAMP_MS = 60_000;
/** How long a checked API key is trusted without asking the table again, and how many are kept. */
const KEY_CACHE_MS = 5_000;
const KEY_CACHE_MAX = 10_000;
/**
 * How long a user's state is trusted for their tokens: disabling a user or changing their roles takes effect
 * on every token within this time (the contract allows five seconds), at one look-up per user per interval.
 */
const USER_CACHE_MS = 2_000;

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

  /** User id → their state, until when it is trusted. */
  private readonly userCache = new Map<string, { state: UserState | null; until: number }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly history: HistoryService,
  ) {}

  /**
   * On first start an `admin` exists: its password from ADMIN_PASSWORD, or generated, printed once as a plain
   * line and to be changed at the first sign-in. ADMIN_PASSWORD on a later start resets the admin's password
   * (recorded in the history); the same value again changes nothing.
   */
  async onApplicationBootstrap(): Promise<void> {
    const chosen = this.config.adminPassword;
    if (chosen !== undefined) {
      const changed = await resetAdminPassword(this.db, this.history, chosen, {
        mustChange: false,
        actor: 'system:ADMIN_PASSWORD',
        reason: 'ADMIN_PASSWORD set at start-up',
      });
      if (changed) this.logger.warn('the admin password was set from ADMIN_PASSWORD (recorded in the history)');
      announceLater(['admin user: admin (password from ADMIN_PASSWORD)']);
      return;
    }
    const password = temporaryPassword();
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO users (username, password_hash, roles, must_change_password) VALUES ('admin', $1, '{admin}', true)
       ON CONFLICT (username) DO NOTHING RETURNING id`,
      [await hashPassword(password)],
    );
    if (inserted.length > 0) {
      announceLater([
        'First start: the administrator account was created.',
        'admin user: admin',
        `admin password: ${password}`,
        'Sign in and choose a new password (asked at the first sign-in). This password is shown only now;',
        'a lost password is reset with `npm run admin:reset-password`.',
      ]);
    } else {
      announceLater(['admin user: admin (a lost password is reset with `npm run admin:reset-password`)']);
    }
  }

  /** Returns a token, or null for any wrong credential (the caller cannot tell which part was wrong). */
  async signIn(
    username: string,
    password: string,
  ): Promise<{ accessToken: string; expiresIn: number; roles: Role[]; mustChangePassword: boolean } | null> {
    const rows: {
      id: string;
      password_hash: string;
      roles: Role[];
      unit_id: string | null;
      active: boolean;
      must_change_password: boolean;
    }[] = await this.db.query(
      'SELECT id, password_hash, roles, unit_id, active, must_change_password FROM users WHERE username = $1',
      [username],
    );
    const user = rows[0];
    // Verify against a decoy when the user does not exist so both answers take as long.
    decoyHash ??= hashPassword(newSecret());
    const ok = await verifyPassword(password, user?.password_hash ?? (await decoyHash));
    if (!user || !user.active || !ok) return null;
    const claims: TokenClaims = {
      sub: user.id,
      name: username,
      roles: user.roles,
      unit: user.unit_id,
      iatMs: Date.now(),
    };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.config.jwtTtlSeconds });
    return {
      accessToken,
      expiresIn: this.config.jwtTtlSeconds,
      roles: user.roles,
      mustChangePassword: user.must_change_password,
    };
  }

  /** Resolves a bearer credential: a JWT of a user, or an API key. Null when it is not valid now. */
  async authenticate(bearer: string): Promise<Principal | null> {
    if (bearer.split('.').length === 3) {
      let claims: TokenClaims;
      try {
        claims = await this.jwt.verifyAsync<TokenClaims>(bearer);
      } catch {
        return null;
      }
      const state = await this.userState(claims.sub);
      if (!state || !state.active) return null;
      if (state.tokensValidAfter !== null && (claims.iatMs ?? 0) < state.tokensValidAfter) return null;
      return {
        kind: 'user',
        id: claims.sub,
        name: claims.name,
        roles: state.roles,
        unitId: state.unitId,
        mustChangePassword: state.mustChangePassword,
      };
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

  private async userState(id: string): Promise<UserState | null> {
    const now = Date.now();
    const cached = this.userCache.get(id);
    if (cached && cached.until > now) return cached.state;
    const rows: {
      active: boolean;
      roles: Role[];
      unit_id: string | null;
      must_change_password: boolean;
      tokens_valid_after: Date | null;
    }[] = await this.db.query(
      'SELECT active, roles, unit_id, must_change_password, tokens_valid_after FROM users WHERE id = $1',
      [id],
    );
    const row = rows[0];
    const state: UserState | null = row
      ? {
          active: row.active,
          roles: row.roles,
          unitId: row.unit_id,
          mustChangePassword: row.must_change_password,
          tokensValidAfter: row.tokens_valid_after ? row.tokens_valid_after.getTime() : null,
        }
      : null;
    if (this.userCache.size >= KEY_CACHE_MAX) this.userCache.clear();
    this.userCache.set(id, { state, until: now + USER_CACHE_MS });
    return state;
  }

  /** A user's account changed here: their tokens are judged afresh at once on this instance. */
  forgetUser(id: string): void {
    this.userCache.delete(id);
  }

  /** A key was revoked: it stops working here at once (other instances drop it within KEY_CACHE_MS). */
  forgetApiKey(id: string): void {
    for (const [hash, entry] of this.keyCache) if (entry.principal.id === id) this.keyCache.delete(hash);
  }
}
