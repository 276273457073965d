// The role matrix, generated from the route declarations: every route × every role (and anonymous).
// Anonymous → 401 unless public; a role the route does not list → 403; a listed role → neither.
import test from 'ava';
import { ROLES, type Role } from '../src/auth/roles.ts';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';

let hub: TestApi;
const userIds = new Map<Role, string>();

test.before(async () => {
  hub = await startTestApi();
  for (const role of ROLES) {
    userIds.set(
      role,
      await createUser(hub.db, {
        username: `m-${role}`,
        roles: [role],
        kind: role === 'service' ? 'service' : 'person',
      }),
    );
  }
});
test.after.always(async () => hub?.close());

type Caller = Role | 'anonymous';

const expected = (access: (typeof hub.api.routes)[number]['access'], caller: Caller) => {
  if (access === 'public') return 'allowed';
  if (caller === 'anonymous') return 401;
  if (access === 'authenticated' || access.includes(caller)) return 'allowed';
  return 403;
};

test('every route answers every role as its declaration says', async (t) => {
  const callers: Caller[] = ['anonymous', ...ROLES];
  let cases = 0;
  // One credential per caller, issued again after a call that may have revoked it (logout); a route
  // that spoiled a credential otherwise shows as a 401 on the next route, not as a pass.
  const tokens = new Map<Caller, string | undefined>();
  const tokenOf = async (caller: Caller) => {
    if (caller === 'anonymous') return undefined;
    if (!tokens.has(caller)) {
      const userId = userIds.get(caller)!;
      tokens.set(
        caller,
        caller === 'service'
          ? (await hub.auth.createApiToken(userId, { name: 'matrix' })).token
          : (await hub.auth.issueSession(userId)).token,
      );
    }
    return tokens.get(caller);
  };
  for (const route of hub.api.routes) {
    // Path parameters get ids that exist nowhere: an allowed caller then sees 404 or 400, never 401/403.
    const path = route.path.replace(/:[A-Za-z0-9_]+/g, 'no-such-id');
    for (const caller of callers) {
      const token = await tokenOf(caller);
      if (route.path.endsWith('/logout')) tokens.delete(caller);
      const res = await call(hub.base, route.method, path, { token, ...(route.body ? { body: {} } : {}) });
      const want = expected(route.access, caller);
      const label = `${route.method} ${route.path} as ${caller}: ${res.status}`;
      if (route.selfAuthenticated) {
        // A signed webhook or an Open311 api_key route: a hub session or token does not open it.
        t.true(res.status >= 400 && res.status < 500, label);
      } else if (want === 'allowed') {
        t.true(res.status !== 401 && res.status !== 403 && res.status < 500, label);
      } else {
        t.is(res.status, want, label);
        t.is(res.headers.get('content-type'), 'application/problem+json', label);
        t.is(res.body.status, want, label);
      }
      cases++;
    }
  }
  t.is(cases, hub.api.routes.length * (ROLES.length + 1));
  t.true(hub.api.routes.length >= 13);
});

test('the matrix covers admin-only, any-user and public routes alike', (t) => {
  const kinds = new Set(hub.api.routes.map((r) => (typeof r.access === 'string' ? r.access : 'roles')));
  t.deepEqual([...kinds].sort(), ['authenticated', 'public', 'roles']);
});
