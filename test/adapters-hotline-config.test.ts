// Whether the 12319 hotline adapter polls follows the configuration: no HOTLINE_URL and no simulators →
// no polling (nothing to poll) and its health says why; an address (or demo mode) → it polls.
import test from 'ava';
import { call, createUser, startTestApi, type TestApi } from './helpers/api.ts';

const monitor = async (hub: TestApi) => {
  const user = await createUser(hub.db, { username: 'leader', roles: ['shift_leader'] });
  const { token } = await hub.auth.issueSession(user);
  return call(hub.base, 'GET', '/api/adapters/hotline', { token });
};

test('SIMULATORS=false without HOTLINE_URL: no ticket polling, health names the missing setting', async (t) => {
  const hub = await startTestApi({ env: { SIMULATORS: 'false' } });
  t.teardown(() => hub.close());
  const res = await monitor(hub);
  t.is(res.status, 200);
  t.deepEqual(res.body.receives, [
    { kind: 'webhook', name: 'tickets' },
    { kind: 'webhook', name: 'callbacks' },
  ]);
  t.like(res.body.health, {
    status: 'down',
    error: 'HOTLINE_URL is not set: the 12319 hotline is not polled',
  });
  t.false(hub.logs.some((l) => /HOTLINE_WEBHOOK_SECRET/.test(String(l.msg))));
});

test('HOTLINE_URL set, or demo mode with its simulator: the tickets are polled', async (t) => {
  const envs: Record<string, string>[] = [
    { SIMULATORS: 'false', HOTLINE_URL: 'http://127.0.0.1:9/' },
    { SIMULATORS: 'true' },
  ];
  for (const env of envs) {
    const hub = await startTestApi({ env });
    t.teardown(() => hub.close());
    const res = await monitor(hub);
    t.deepEqual(
      res.body.receives.map((r: { kind: string; name: string }) => `${r.kind}:${r.name}`),
      ['webhook:tickets', 'webhook:callbacks', 'poll:tickets'],
      JSON.stringify(env),
    );
  }
});
