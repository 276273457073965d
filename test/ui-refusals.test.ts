// A refusal (403) that says why reads as its reason in the UI's words, not a generic "your role may not":
// a shift leader claims an item of the 督办箱 that has just risen to the leader's level and reads that it
// is now for the leader to decide; in English the same, and the item's level names who decides in English.
import test from 'ava';
import type { Page } from 'playwright-core';
import { loginThroughForm, useUiHub } from './helpers/browser.ts';

let page: Page;
const ui = useUiHub(test, async ({ hub, browser }) => {
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await loginThroughForm(page, hub.url, 'shift_leader');
});

/** An open level-1 item on a dispatched case past its sign-for limit, as the escalation procedure opens one. */
async function openItem(key: string) {
  const { prisma } = ui.hub.hub.db;
  const unit = await prisma.department.findFirstOrThrow({ where: { code: 'D06' } });
  const c = await prisma.case.create({
    data: {
      caseNo: `RG-2026-97000${key.slice(-1)}`,
      source: 'supervisor',
      categoryCode: '0101',
      description: '私搭乱建 督办测试',
      status: 'dispatched',
      departmentId: unit.id,
    },
  });
  const item = await prisma.escalation.create({
    data: {
      caseId: c.id,
      stage: 'sign',
      level: 1,
      deadline: new Date(Date.now() - 3_600_000),
      assigneeType: 'department',
      assigneeId: unit.id,
      processKey: key,
    },
  });
  return { id: item.id, caseNo: c.caseNo };
}

/** The item rises to the leader while the shift leader's page still offers 认领; the click is refused. */
async function claimRisen(claim: string, item: { id: string; caseNo: string }) {
  const card = page.locator(`li[data-item="${item.caseNo}"]`);
  await card.getByRole('button', { name: claim }).waitFor();
  await ui.hub.hub.db.prisma.escalation.update({ where: { id: item.id }, data: { level: 2 } });
  await card.getByRole('button', { name: claim }).click();
  return card.getByRole('alert');
}

test.serial('a claim refused because the item rose to the leader says so, in either language', async (t) => {
  const first = await openItem('ui-refusals-1');
  await page.getByRole('link', { name: '督办箱' }).click();
  const card = page.locator(`li[data-item="${first.caseNo}"]`);
  await card.waitFor({ timeout: 20_000 });
  t.regex(await card.locator('.badge').nth(1).innerText(), /^级别 1 · 值班长$/);
  const alert = await claimRisen('认领', first);
  await alert.waitFor();
  t.is(await alert.innerText(), '此督办事项已升到第 2 级，应由领导决定。');
  await page.screenshot({ path: '/tmp/m2/inbox-refused.png', fullPage: true });

  // English: the level says who decides in English, and the same refusal reads in English.
  await ui.hub.hub.db.prisma.escalation.update({ where: { id: first.id }, data: { status: 'superseded' } });
  const second = await openItem('ui-refusals-2');
  await page.getByRole('button', { name: 'English' }).click();
  const again = page.locator(`li[data-item="${second.caseNo}"]`);
  await again.waitFor({ timeout: 20_000 });
  t.regex(await again.locator('.badge').nth(1).innerText(), /^Level 1 · Shift leader$/);
  const refused = await claimRisen('Claim', second);
  await refused.waitFor();
  t.is(await refused.innerText(), 'This inbox item has risen to level 2: Leader decides.');
  await page.getByRole('button', { name: '中文' }).click();
});
