// 巡查 in the assessment and on the shift leader's map, over a whole hub with the engine's clock moved
// (startScenarioHub): a supervisor is on duty twice on one day and once the next, walking a known track
// through the field API (the app's own calls); the month's assessment gives them 出勤天数, 在岗时长 and
// 巡查里程 (also in the CSV), and the shift leader sees the day's figures and the track on the map in the
// app (Chromium, 390×844).
import test from 'ava';
import { createAssessment, monthPeriod, renderAssessmentCsv } from '../src/assessment/index.ts';
import { distanceM } from '../src/field/track.ts';
import { ensureUiBuild, useBrowserHub } from './helpers/browser.ts';
import { at, PASSWORD, startScenarioHub } from './helpers/scenario-hub.ts';

const fx = useBrowserHub(test, () => {
  ensureUiBuild();
  return startScenarioHub(at('2026-10-12 08:00'), { ADMIN_UI: 'true' });
});
const s = () => fx.hub;

/** A walk east along a street of 城北 from 08:00, one fix a minute, 50 m apart (3 km/h). */
const START = { lng: 120.5475, lat: 32.3855 };
const step = (i: number) => ({
  lng: START.lng + (i * 50) / (111_320 * Math.cos((START.lat * Math.PI) / 180)),
  lat: START.lat,
});

async function shift(from: Date, fixes: number) {
  const sup = s().as('field_supervisor');
  await s().clock.pin(from);
  const on = await sup.post('/api/field/duty/start', {});
  if (on.status !== 200 && on.status !== 201)
    throw new Error(`上班: ${on.status} ${JSON.stringify(on.body)}`);
  const points = Array.from({ length: fixes }, (_, i) => ({
    ...step(i),
    accuracy: 5,
    at: new Date(+from + i * 60_000).toISOString(),
  }));
  await s().clock.pin(new Date(+from + fixes * 60_000));
  const sent = await sup.post('/api/field/positions', { points });
  if (sent.status !== 200) throw new Error(`positions: ${sent.status} ${JSON.stringify(sent.body)}`);
  const off = await sup.post('/api/field/duty/end', {});
  if (off.status !== 200) throw new Error(`下班: ${off.status} ${JSON.stringify(off.body)}`);
  return off.body as { id: string; distanceM: number; durationSeconds: number };
}

test.serial(
  '出勤天数, 在岗时长 and 巡查里程 of the month per supervisor, from the patrol tracks',
  async (t) => {
    // 12 Oct: 08:00–09:00 (61 fixes, 3 km) and 14:00–14:30 (31 fixes, 1.5 km); 13 Oct: 08:00–08:20.
    const a = await shift(at('2026-10-12 08:00'), 60);
    const b = await shift(at('2026-10-12 14:00'), 30);
    const c = await shift(at('2026-10-13 08:00'), 20);
    const walked = (n: number) => distanceM(step(0), step(n - 1));
    t.is(Math.round(a.distanceM), Math.round(walked(60)));
    t.is(Math.round(b.distanceM), Math.round(walked(30)));
    t.deepEqual([a.durationSeconds, b.durationSeconds, c.durationSeconds], [3600, 1800, 1200]);

    const result = await createAssessment({ db: s().hub.db, timezone: 'Asia/Shanghai' }).compute(
      monthPeriod('2026-10', 'Asia/Shanghai'),
    );
    const sup = result.supervisors.find((x) => x.id === s().userId.field_supervisor)!;
    t.is(sup.figures.attendanceDays!.value, 2);
    t.is(sup.figures.dutyHours!.value, 1.83); // 60 + 30 + 20 minutes
    t.is(sup.figures.patrolKm!.value, Math.round((a.distanceM + b.distanceM + c.distanceM) / 10) / 100);
    const csv = renderAssessmentCsv(result, 'Asia/Shanghai').split('\r\n');
    const header = csv[1]!.split(',');
    const row = csv.find((l) => l.startsWith(`监督员,${s().userId.field_supervisor},`))!.split(',');
    const cell = (name: string) => row[header.indexOf(name)];
    t.deepEqual(
      [cell('出勤天数'), cell('在岗时长(小时)'), cell('巡查里程(公里)')],
      ['2', '1.83', sup.figures.patrolKm!.value!.toFixed(2)],
    );
  },
);

test.serial('the shift leader sees a supervisor’s day and its track on the map', async (t) => {
  const context = await fx.browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
  const page = await context.newPage();
  await page.goto(`${s().url}/app/`);
  await page.getByLabel('用户名').fill('shift_leader');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: '监督员巡查' }).waitFor();
  await page.goto(`${s().url}/app/#/patrol/2026-10-12`);
  const card = page.getByTestId('patrols').locator('li').first();
  await card.waitFor();
  const shifts = await s().hub.db.prisma.patrolShift.findMany({
    where: { startedAt: { gte: at('2026-10-12 00:00'), lt: at('2026-10-13 00:00') } },
    include: { user: true },
  });
  const km = (shifts.reduce((sum, x) => sum + x.distanceM, 0) / 1000).toFixed(2);
  t.regex((await card.textContent())!, new RegExp(shifts[0]!.user.displayName));
  t.regex((await card.textContent())!.replace(/\s+/g, ' '), /上班 2 次 · 08:00–09:00，14:00–14:30/);
  t.is(
    (await card.getByTestId('patrol-figures').textContent())!.replace(/\s+/g, ' ').trim(),
    `在岗 1 小时 30 分 · 巡查里程 ${km} 公里`,
  );
  await card.getByRole('link', { name: '查看轨迹' }).click();
  // Both shifts' fixes on the map (60 + 30).
  await page.locator('#patrol-map[data-points="90"] canvas').waitFor();
  t.is(await page.getByTestId('shifts').locator('li').count(), 2);
  await page.screenshot({ path: '/tmp/m2/patrol-day.png', fullPage: true });
  await context.close();
});
