/**
 * Authentication: password login into revocable sessions, session and API-token bearer credentials, and
 * API-token administration. Failures never tell whether a user name exists.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { notFound, tooManyRequests, unauthenticated, validationError } from '../errors.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { admitLoginAttempt, loginSucceeded, recordLoginAttempt } from './rate-limit.ts';
import { isRole, type Principal, type Role } from './roles.ts';
import { generateApiToken, hashApiToken, isApiToken, signSessionToken, verifySessionToken } from './token.ts';

export interface AuthDeps {
  db: Db;
  config: Pick<
    Config,
    | 'AUTH_TOKEN_TTL_SECONDS'
    | 'AUTH_LOGIN_MAX_ATTEMPTS'
    | 'AUTH_LOGIN_MAX_ATTEMPTS_PER_ACCOUNT'
    | 'AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS'
    | 'AUTH_LOGIN_WINDOW_SECONDS'
    | 'AUTH_SESSION_CACHE_MS'
  >;
  /** Signing key for session tokens (see loadAuthSecret). */
  key: Buffer;
}

export interface IssuedSession {
  sessionId: string;
  token: string;
  expiresAt: Date;
}

export interface CreatedApiToken {
  id: string;
  name: string;
  /** The secret; shown to the administrator once and never stored. */
  token: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
}

export interface Auth {
  /** Checks user name and password (rate-limited per user name + ip) and opens a session. */
  login(input: {
    username: string;
    password: string;
    ip: string;
  }): Promise<IssuedSession & { principal: Principal }>;
  /** Resolves a bearer token (session or API token) to its principal; 401 HubError when not valid. */
  authenticate(token: string): Promise<Principal>;
  /** Opens a session for a user without a password check (after login; tests). */
  issueSession(userId: string): Promise<IssuedSession>;
  /** Revokes one session. */
  revokeSession(sessionId: string): Promise<void>;
  /** Revokes every open session of a user (password change, deactivation). */
  revokeUserSessions(userId: string): Promise<void>;
  /** Drops what this instance remembers of a user's sessions: call once a change to them is committed. */
  forgetUser(userId: string): void;
  /** Creates an API token for a service account. */
  createApiToken(userId: string, input: { name: string; expiresAt?: Date }): Promise<CreatedApiToken>;
  /** Revokes an API token of a user; 404 when the user has no such token. */
  revokeApiToken(userId: string, tokenId: string): Promise<void>;
}

// API tokens record their last use at most this often, so a busy adapter does not write on every call.
const LAST_USED_RESOLUTION_MS = 60_000;

// Expired sessions are deleted this long after expiry.
const SESSION_GRACE_MS = 24 * 3600 * 1000;

// Sessions remembered at most; beyond it the expired entries go, then all (a flood of distinct tokens).
const SESSION_CACHE_MAX = 10_000;

const userWithRoles = { include: { roles: { select: { role: true } } } } as const;

interface UserRow {
  id: string;
  username: string;
  displayName: string;
  kind: 'person' | 'service';
  departmentId: string | null;
  active: boolean;
  roles: { role: string }[];
}

const principalOf = (user: UserRow, credential: Principal['credential']): Principal => ({
  userId: user.id,
  username: user.username,
  displayName: user.displayName,
  kind: user.kind,
  roles: user.roles.map((r) => r.role).filter(isRole) as Role[],
  departmentId: user.departmentId,
  credential,
});

/** Creates the authentication service. */
export function createAuth({ db, config, key }: AuthDeps): Auth {
  const limit = {
    maxAttempts: config.AUTH_LOGIN_MAX_ATTEMPTS,
    maxPerAccount: config.AUTH_LOGIN_MAX_ATTEMPTS_PER_ACCOUNT,
    maxPerAddress: config.AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS,
    windowSeconds: config.AUTH_LOGIN_WINDOW_SECONDS,
  };
  // Unknown users are checked against this hash, so a wrong user name costs as much as a wrong password.
  let dummyHash: Promise<string> | undefined;
  const decoyHash = () => (dummyHash ??= hashPassword(randomUUID()));

  async function issueSession(userId: string): Promise<IssuedSession> {
    const now = Date.now();
    const expiresAt = new Date(now + config.AUTH_TOKEN_TTL_SECONDS * 1000);
    const session = await db.prisma.session.create({ data: { userId, expiresAt } });
    // Expired sessions can never authenticate again; a day's grace keeps them for troubleshooting.
    await db.prisma.session.deleteMany({ where: { expiresAt: { lt: new Date(now - SESSION_GRACE_MS) } } });
    return { sessionId: session.id, token: signSessionToken(key, session.id, expiresAt), expiresAt };
  }

  // A valid session's principal for AUTH_SESSION_CACHE_MS: every request used to cost three reads
  // (Session, User, UserRole). Changes made through this instance (logout, revocation, a user's edit)
  // drop the entry at once; on other instances they take effect within the cache time.
  const sessions = new Map<string, { principal: Principal; expiresAt: number; until: number }>();
  // Counts the forgets: a read that began before one (it may have seen the row as it was before the
  // change committed) is not remembered, else a logout could still let its token in for the cache time.
  let forgets = 0;
  const remember = (id: string, principal: Principal, expiresAt: Date, now: number, readAt: number) => {
    if (config.AUTH_SESSION_CACHE_MS <= 0 || readAt !== forgets) return;
    if (sessions.size >= SESSION_CACHE_MAX) {
      for (const [k, v] of sessions) if (v.until <= now) sessions.delete(k);
      if (sessions.size >= SESSION_CACHE_MAX) sessions.clear();
    }
    const until = Math.min(now + config.AUTH_SESSION_CACHE_MS, expiresAt.getTime());
    sessions.set(id, { principal, expiresAt: expiresAt.getTime(), until });
  };
  const forgetUser = (userId: string) => {
    forgets++;
    for (const [k, v] of sessions) if (v.principal.userId === userId) sessions.delete(k);
  };
  const forgetSession = (sessionId: string) => {
    forgets++;
    sessions.delete(sessionId);
  };

  async function authenticateSession(token: string): Promise<Principal> {
    const now = new Date();
    const sessionId = verifySessionToken(key, token, now);
    if (!sessionId) throw unauthenticated('invalid or expired token');
    const known = sessions.get(sessionId);
    if (known && known.until > now.getTime()) return known.principal;
    const readAt = forgets;
    const session = await db.prisma.session.findUnique({
      where: { id: sessionId },
      include: { user: userWithRoles },
    });
    if (!session || session.revokedAt || session.expiresAt <= now || !session.user.active) {
      sessions.delete(sessionId);
      throw unauthenticated('invalid, expired or revoked token');
    }
    const principal = principalOf(session.user, { type: 'session', id: session.id });
    remember(session.id, principal, session.expiresAt, now.getTime(), readAt);
    return principal;
  }

  async function authenticateApiToken(token: string): Promise<Principal> {
    const now = new Date();
    const row = await db.prisma.apiToken.findUnique({
      where: { tokenHash: hashApiToken(token) },
      include: { user: userWithRoles },
    });
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now) || !row.user.active) {
      throw unauthenticated('invalid, expired or revoked token');
    }
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await db.prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
    }
    return principalOf(row.user, { type: 'api-token', id: row.id });
  }

  return {
    async login({ username, password, ip }) {
      const now = new Date();
      // Counted before the hash: a check here and a record after it let parallel guesses all through.
      const admission = await admitLoginAttempt(db, limit, { username, ip }, now);
      if (!admission.admitted) {
        const { retryAfter } = admission;
        throw tooManyRequests(`too many failed logins; try again in ${retryAfter} s`, retryAfter);
      }
      const user = await db.prisma.user.findUnique({ where: { username }, ...userWithRoles });
      const canLogIn = user?.active && user.kind === 'person' && user.passwordHash;
      const ok = await verifyPassword(password, canLogIn ? user.passwordHash! : await decoyHash());
      const success = Boolean(canLogIn && ok);
      if (success) await loginSucceeded(db, limit, { username, ip }, admission.counted);
      await recordLoginAttempt(db, limit, { username, ip, success }, now);
      if (!success || !user) throw unauthenticated('invalid username or password');
      const session = await issueSession(user.id);
      return { ...session, principal: principalOf(user, { type: 'session', id: session.sessionId }) };
    },

    authenticate: (token) => (isApiToken(token) ? authenticateApiToken(token) : authenticateSession(token)),

    issueSession,

    forgetUser,

    // Forgotten once the change is committed (a read still under way when it commits is not kept).
    async revokeSession(sessionId) {
      await db.prisma.session.updateMany({
        where: { id: sessionId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      forgetSession(sessionId);
    },

    async revokeUserSessions(userId) {
      await db.prisma.session.updateMany({
        where: { userId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      forgetUser(userId);
    },

    async createApiToken(userId, input) {
      const user = await db.prisma.user.findUnique({ where: { id: userId } });
      if (!user) throw notFound(`user ${userId}`);
      if (user.kind !== 'service') {
        throw validationError('API tokens are for service accounts', [
          { field: 'params.id', message: `user ${user.username} is not a service account` },
        ]);
      }
      const { token, tokenHash, prefix } = generateApiToken();
      const row = await db.prisma.apiToken.create({
        data: { userId, name: input.name, tokenHash, prefix, expiresAt: input.expiresAt ?? null },
      });
      return {
        id: row.id,
        name: row.name,
        token,
        prefix: row.prefix,
        createdAt: row.createdAt,
        expiresAt: row.expiresAt,
      };
    },

    async revokeApiToken(userId, tokenId) {
      const row = await db.prisma.apiToken.findFirst({ where: { id: tokenId, userId } });
      if (!row) throw notFound(`API token ${tokenId} of user ${userId}`);
      if (!row.revokedAt) {
        await db.prisma.apiToken.update({ where: { id: tokenId }, data: { revokedAt: new Date() } });
      }
    },
  };
}
