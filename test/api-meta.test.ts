import test from 'ava';
import { call, startTestApi, type TestApi } from './helpers/api.ts';

let hub: TestApi;
test.before(async () => {
  // A city outside China's one zone, so the answer shows the setting and not a default.
  hub = await startTestApi({ env: { CALENDAR_TIMEZONE: 'Asia/Urumqi' } });
});
test.after.always(async () => hub?.close());

test('GET /api/meta: without a session, the statuses and roles in 中文 and the configured city time zone', async (t) => {
  const res = await call(hub.base, 'GET', '/api/meta');
  t.is(res.status, 200);
  t.is(res.body.timeZone, 'Asia/Urumqi');
  t.deepEqual(
    res.body.statuses.map(
      (s: { code: string; label: string; final: boolean }) => `${s.code} ${s.label} ${s.final}`,
    ),
    [
      'reported 上报 false',
      'accepted 受理 false',
      'verifying 核实中 false',
      'registered 立案 false',
      'dispatched 已派遣 false',
      'signed 处置中 false',
      'disposed 处置完成 false',
      'checking 核查中 false',
      'closed 结案 true',
      'voided 作废 true',
      'suspended 挂账 false',
    ],
  );
  t.deepEqual(
    res.body.roles.map((r: { code: string; label: string }) => `${r.code} ${r.label}`),
    [
      'administrator 系统管理员',
      'acceptor 受理员',
      'dispatcher 派遣员',
      'department_handler 专业部门',
      'field_supervisor 监督员',
      'shift_leader 值班长',
      'leader 领导',
      'law_enforcement 执法人员',
      'service 服务账号',
    ],
  );
});
