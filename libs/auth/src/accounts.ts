import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { hashPassword, newSecret, passwordProblem, verifyPassword } from '#app/crypto';
import { returnedRows, type Role } from '#app/db';
import { HistoryService, type HistoryEntry } from '#app/history';

/** A user as every answer shows it: never a password or its hash. */
export interface UserView {
  id: string;
  username: string;
  roles: Role[];
  unitId: string | null;
  active: boolean;
  mustChangePassword: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface UserRow {
  id: string;
  username: string;
  roles: Role[];
  unit_id: string | null;
  active: boolean;
  must_change_password: boolean;
  created_at: Date;
  updated_at: Date;
}

const USER_COLUMNS = 'id, username, roles, unit_id, active, must_change_password, created_at, updated_at';

function view(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    roles: row.roles,
    unitId: row.unit_id,
    active: row.active,
    mustChangePassword: row.must_change_password,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface NewUser {
  username: string;
  password: string;
  roles: Role[];
  unitId?: string | null;
}

export interface UserChange {
  roles?: Role[];
  unitId?: string | null;
  active?: boolean;
}

/** Who makes a change, as the history names them. */
export interface Actor {
  id: string | null;
  name: string;
}

/** A password that a person other than its owner chose: temporary, to be replaced at the next sign-in. */
export function temporaryPassword(): string {
  return newSecret(15);
}

function policyOrThrow(field: string, password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new BadRequestException([`${field} ${problem}`]);
}

/** Appends to the history in the caller's transaction: an account change and its record commit together. */
async function record(history: HistoryService, m: EntityManager, entry: Omit<HistoryEntry, 'entityType'>) {
  await history.append(m, { entityType: 'user', ...entry });
}

/**
 * Resets the admin account's password (created if missing) and records it. Used by ADMIN_PASSWORD on start and
 * by the shell command for a person who lost the password. Returns whether the stored password changed.
 */
export async function resetAdminPassword(
  db: DataSource,
  history: HistoryService,
  password: string,
  options: { mustChange: boolean; actor: string; reason: string },
): Promise<boolean> {
  const hash = await hashPassword(password);
  return db.transaction(async (m) => {
    const rows: { id: string; password_hash: string }[] = await m.query(
      `SELECT id, password_hash FROM users WHERE username = 'admin' FOR UPDATE`,
    );
    const existing = rows[0];
    if (existing && !options.mustChange && (await verifyPassword(password, existing.password_hash))) return false;
    const saved = returnedRows<{ id: string }>(
      existing
        ? await m.query(
            `UPDATE users SET password_hash = $2, must_change_password = $3, active = true,
             roles = CASE WHEN 'admin' = ANY(roles) THEN roles ELSE roles || '{admin}'::text[] END,
             tokens_valid_after = clock_timestamp(), updated_at = now()
           WHERE id = $1 RETURNING id`,
            [existing.id, hash, options.mustChange],
          )
        : await m.query(
            `INSERT INTO users (username, password_hash, roles, must_change_password)
           VALUES ('admin', $1, '{admin}', $2) RETURNING id`,
            [hash, options.mustChange],
          ),
    );
    await record(history, m, {
      entityId: saved[0].id,
      action: existing ? 'password-reset' : 'created',
      actor: options.actor,
      data: { username: 'admin', reason: options.reason, mustChangePassword: options.mustChange },
    });
    return true;
  });
}

/** Accounts: people, their roles and passwords. Every change is recorded with who made it. */
@Injectable()
export class AccountsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  async list(): Promise<UserView[]> {
    const rows: UserRow[] = await this.db.query(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`);
    return rows.map(view);
  }

  async get(id: string): Promise<UserView> {
    const rows: UserRow[] = await this.db.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    if (!rows[0]) throw new NotFoundException(`no user ${id}`);
    return view(rows[0]);
  }

  /** An admin creates a user; the password is temporary (its owner replaces it at the first sign-in). */
  async create(input: NewUser, actor: Actor): Promise<UserView> {
    policyOrThrow('password', input.password);
    const unitId = input.unitId ?? null;
    await this.checkUnit(input.roles, unitId);
    const hash = await hashPassword(input.password);
    return this.db.transaction(async (m) => {
      const rows: UserRow[] = await m.query(
        `INSERT INTO users (username, password_hash, roles, unit_id, must_change_password)
         VALUES ($1, $2, $3, $4, true) ON CONFLICT (username) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [input.username, hash, input.roles, unitId],
      );
      if (!rows[0]) throw new BadRequestException([`username ${input.username} is taken`]);
      await record(this.history, m, {
        entityId: rows[0].id,
        action: 'created',
        actor: actor.name,
        data: { username: input.username, roles: input.roles, unitId },
      });
      return view(rows[0]);
    });
  }

  /** Roles, unit or active state; an admin can neither lock themselves out nor leave the service without admin. */
  async update(id: string, change: UserChange, actor: Actor): Promise<UserView> {
    return this.db.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(7340021)'); // one admin-count check at a time
      const rows: UserRow[] = await m.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]);
      const before = rows[0];
      if (!before) throw new NotFoundException(`no user ${id}`);
      const roles = change.roles ?? before.roles;
      const unitId = change.unitId !== undefined ? change.unitId : before.unit_id;
      const active = change.active ?? before.active;
      if (id === actor.id && !active) throw new BadRequestException(['active: an admin cannot disable themselves']);
      const losesAdmin = before.roles.includes('admin') && before.active && (!roles.includes('admin') || !active);
      if (losesAdmin) {
        const [{ n }]: { n: number }[] = await m.query(
          `SELECT count(*)::int AS n FROM users WHERE active AND 'admin' = ANY(roles) AND id <> $1`,
          [id],
        );
        if (n === 0) {
          throw new BadRequestException([
            change.roles !== undefined && !roles.includes('admin')
              ? 'roles: the last active admin cannot lose the admin role'
              : 'active: the last active admin cannot be disabled',
          ]);
        }
      }
      await this.checkUnit(roles, unitId, m);
      const updated = returnedRows<UserRow>(
        await m.query(
          `UPDATE users SET roles = $2, unit_id = $3, active = $4, updated_at = now(),
             tokens_valid_after = CASE WHEN $4 THEN tokens_valid_after ELSE clock_timestamp() END
           WHERE id = $1 RETURNING ${USER_COLUMNS}`,
          [id, roles, unitId, active],
        ),
      );
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (change.roles !== undefined && [...before.roles].sort().join() !== [...roles].sort().join()) {
        changes.roles = { from: before.roles, to: roles };
      }
      if (unitId !== before.unit_id) changes.unitId = { from: before.unit_id, to: unitId };
      if (active !== before.active) changes.active = { from: before.active, to: active };
      if (Object.keys(changes).length > 0) {
        const action =
          Object.keys(changes).length === 1 && changes.active ? (active ? 'enabled' : 'disabled') : 'updated';
        await record(this.history, m, {
          entityId: id,
          action,
          actor: actor.name,
          data: { username: before.username, changes },
        });
      }
      return view(updated[0]);
    });
  }

  /** An admin sets a temporary password; the user's earlier tokens stop working. */
  async resetPassword(id: string, actor: Actor): Promise<{ temporaryPassword: string }> {
    const password = temporaryPassword();
    const hash = await hashPassword(password);
    await this.db.transaction(async (m) => {
      const rows = returnedRows<{ username: string }>(
        await m.query(
          `UPDATE users SET password_hash = $2, must_change_password = true, tokens_valid_after = clock_timestamp(),
             updated_at = now()
           WHERE id = $1 RETURNING username`,
          [id, hash],
        ),
      );
      if (!rows[0]) throw new NotFoundException(`no user ${id}`);
      await record(this.history, m, {
        entityId: id,
        action: 'password-reset',
        actor: actor.name,
        data: { username: rows[0].username, mustChangePassword: true },
      });
    });
    return { temporaryPassword: password };
  }

  /** A user replaces their own password, which must be right now and meet the policy afterwards. */
  async changeOwnPassword(userId: string, current: string, next: string, actorName: string): Promise<void> {
    const rows: { password_hash: string }[] = await this.db.query(
      'SELECT password_hash FROM users WHERE id = $1 AND active',
      [userId],
    );
    if (!rows[0] || !(await verifyPassword(current, rows[0].password_hash))) {
      throw new BadRequestException(['currentPassword is not the current password']);
    }
    policyOrThrow('newPassword', next);
    if (next === current) throw new BadRequestException(['newPassword must differ from the current password']);
    const hash = await hashPassword(next);
    await this.db.transaction(async (m) => {
      await m.query(
        `UPDATE users SET password_hash = $2, must_change_password = false, updated_at = now() WHERE id = $1`,
        [userId, hash],
      );
      await record(this.history, m, { entityId: userId, action: 'password-changed', actor: actorName, data: {} });
    });
  }

  private async checkUnit(roles: Role[], unitId: string | null, m: EntityManager = this.db.manager): Promise<void> {
    if (roles.includes('unit') && !unitId) throw new BadRequestException(['unitId is required for the role unit']);
    if (unitId) {
      const found: unknown[] = await m.query('SELECT 1 FROM units WHERE id = $1', [unitId]);
      if (found.length === 0) throw new BadRequestException([`unitId ${unitId} is not a known unit`]);
    }
  }
}
