/**
 * Authentication and authorisation: `createAuth(deps)` (login, bearer tokens, API tokens), the signing
 * key, the roles, the one access middleware and the auth/user routes.
 */
export { createAuth, type Auth, type AuthDeps, type CreatedApiToken, type IssuedSession } from './auth.ts';
export { loadAuthSecret } from './secret.ts';
export { requireAccess, type Authenticate } from './access.ts';
export { ROLES, isRole, type Access, type Principal, type Role } from './roles.ts';
export { authRoutes } from './routes.ts';
export { userRoutes } from './user-routes.ts';
