/**
 * Authentication and authorisation: `createAuth(deps)` (login, bearer tokens, API tokens), the signing
 * key, the roles, the one access middleware (the auth and user routes: routes.ts, user-routes.ts).
 */
export { createAuth, type Auth, type AuthDeps, type CreatedApiToken, type IssuedSession } from './auth.ts';
export { loadAuthSecret } from './secret.ts';
export { requireAccess, type Authenticate } from './access.ts';
export { ROLES, isRole, type Access, type Principal, type Role } from './roles.ts';
