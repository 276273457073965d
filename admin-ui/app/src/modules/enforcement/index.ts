/**
 * 执法通 (law_enforcement officers of 综合行政执法局): the cases handed to the unit (移交执法) with the next
 * step of the enforcement procedure — 现场检查 (evidence photos, notes, violation found?), 责令整改
 * (requirement, period in working days), 复查 (photos, corrected or not), 处罚决定 (decision number). A case
 * opens in the shared case view with the step's form above it. Every step goes through the offline
 * queue with an idempotency key; the hub accepts a step only when the procedure waits for it.
 */
import { html, nothing, render } from 'lit-html';
import { describeError } from '../../../../src/lib/api.ts';
import { formatTime } from '../../../../src/lib/i18n.ts';
import { mountCaseView } from '../../case-view.ts';
import { getWithCache } from '../../fetch.ts';
import { defineMessages } from '../../i18n.ts';
import type { MountModule } from '../../modules.ts';
import { enqueue, onQueueChange } from '../../queue.ts';
import { backLink, outcome, PhotoList } from '../../ui.ts';

const m = defineMessages(
  {
    heading: '执法待办',
    empty: '暂无移交执法的案卷',
    open: '办理',
    handed: '移交时间',
    reason: '移交理由',
    deadline: '整改期限',
    overdue: '整改期满，请复查',
    inspect: '现场检查',
    evidence: '取证照片',
    findings: '检查情况',
    violation: '存在违法行为',
    yes: '是',
    no: '否（未发现或已消除）',
    order: '责令整改',
    requirement: '整改要求',
    period: '整改期限（工作日）',
    reinspect: '复查',
    result: '复查结果',
    corrected: '已整改到位',
    notCorrected: '未整改',
    reinspectNote: '复查情况',
    penalty: '处罚决定',
    decisionNo: '处罚决定书文号',
    submit: '提交',
    needPhoto: '请至少拍一张取证照片',
    finishing: '办结中，稍后自动结案',
    cached: '离线：显示的是上次保存的列表',
  },
  {
    heading: 'Enforcement tasks',
    empty: 'No cases handed to enforcement',
    open: 'Handle',
    handed: 'Handed over',
    reason: 'Reason',
    deadline: 'Correction deadline',
    overdue: 'Correction period over: re-inspect',
    inspect: 'On-site inspection',
    evidence: 'Evidence photos',
    findings: 'Findings',
    violation: 'Violation found',
    yes: 'Yes',
    no: 'No (none found or already gone)',
    order: 'Order to correct',
    requirement: 'What must be corrected',
    period: 'Period (working days)',
    reinspect: 'Re-inspection',
    result: 'Result',
    corrected: 'Corrected',
    notCorrected: 'Not corrected',
    reinspectNote: 'Findings',
    penalty: 'Penalty decision',
    decisionNo: 'Decision number',
    submit: 'Submit',
    needPhoto: 'Take at least one evidence photo',
    finishing: 'Finishing: the case closes shortly',
    cached: 'Offline: showing the list saved last time',
  },
);

type Stage = 'inspect' | 'order' | 'reinspect' | 'penalty' | 'finishing';
interface Item {
  id: string;
  caseNo: string;
  categoryName: string;
  description: string;
  address: string | null;
  stage: Stage;
  stageLabel: string;
  handedAt: string;
  handedReason: string | null;
  rectifyDeadline: string | null;
  rectifyOverdue: boolean;
}

export const mount: MountModule = (el, ctx) => {
  const user = ctx.user!;
  const [sub, caseId] = ctx.path;
  const photos = new PhotoList(() => redraw());
  let redraw = () => {};

  async function step(
    c: { id: string; caseNo: string },
    action: string,
    what: string,
    body: Record<string, unknown>,
    withPhotos = false,
  ) {
    const item = await enqueue({
      module: 'enforcement',
      title: `${c.caseNo} · ${what}`,
      request: {
        method: 'POST',
        path: `/api/cases/${encodeURIComponent(c.id)}/actions/${action}`,
        body,
        ...(withPhotos ? { files: photos.files() } : {}),
      },
    });
    const o = outcome(item);
    ctx.notify(o.text, o.kind);
    if (item.state !== 'failed' && withPhotos) photos.clear();
    return item;
  }

  function stageForm(it: Item, done: () => void) {
    const c = { id: it.id, caseNo: it.caseNo };
    const submit = (fn: (f: FormData) => Promise<unknown>) => async (e: SubmitEvent) => {
      e.preventDefault();
      await fn(new FormData(e.currentTarget as HTMLFormElement));
      done();
    };
    const needPhotos = () => {
      if (photos.photos.length > 0) return false;
      photos.error = m('needPhoto');
      redraw();
      return true;
    };
    switch (it.stage) {
      case 'inspect':
        return html`<form
          class="card"
          data-testid="form-inspect"
          @submit=${submit(async (f) => {
            if (needPhotos()) return;
            await step(
              c,
              'inspect',
              m('inspect'),
              { violationFound: f.get('violation') === 'yes', note: String(f.get('note')).trim() },
              true,
            );
          })}
        >
          <h3>${m('inspect')}</h3>
          ${photos.field(m('evidence'), 'photos', true)}
          <label>${m('findings')} <textarea name="note" required maxlength="4000" rows="3"></textarea></label>
          <fieldset>
            <legend>${m('violation')}</legend>
            <label><input type="radio" name="violation" value="yes" checked /> ${m('yes')}</label>
            <label><input type="radio" name="violation" value="no" /> ${m('no')}</label>
          </fieldset>
          <button type="submit" class="primary big">${m('submit')}</button>
        </form>`;
      case 'order':
        return html`<form
          class="card"
          data-testid="form-order"
          @submit=${submit((f) =>
            step(c, 'order-rectification', m('order'), {
              requirement: String(f.get('requirement')).trim(),
              periodDays: Number(f.get('periodDays')),
            }),
          )}
        >
          <h3>${m('order')}</h3>
          <label
            >${m('requirement')} <textarea name="requirement" required maxlength="2000" rows="3"></textarea>
          </label>
          <label
            >${m('period')} <input type="number" name="periodDays" min="1" max="90" value="3" required
          /></label>
          <button type="submit" class="primary big">${m('submit')}</button>
        </form>`;
      case 'reinspect':
        return html`<form
          class="card"
          data-testid="form-reinspect"
          @submit=${submit(async (f) => {
            if (needPhotos()) return;
            await step(
              c,
              'reinspect',
              m('reinspect'),
              { result: String(f.get('result')), note: String(f.get('note')).trim() },
              true,
            );
          })}
        >
          <h3>${m('reinspect')}</h3>
          ${it.rectifyDeadline ? html`<p>${m('deadline')}：${formatTime(it.rectifyDeadline)}</p>` : nothing}
          ${photos.field(m('evidence'), 'photos', true)}
          <fieldset>
            <legend>${m('result')}</legend>
            <label><input type="radio" name="result" value="corrected" checked /> ${m('corrected')}</label>
            <label><input type="radio" name="result" value="notCorrected" /> ${m('notCorrected')}</label>
          </fieldset>
          <label
            >${m('reinspectNote')} <textarea name="note" required maxlength="4000" rows="3"></textarea>
          </label>
          <button type="submit" class="primary big">${m('submit')}</button>
        </form>`;
      case 'penalty':
        return html`<form
          class="card"
          data-testid="form-penalty"
          @submit=${submit((f) =>
            step(c, 'record-penalty', m('penalty'), { decisionNo: String(f.get('decisionNo')).trim() }),
          )}
        >
          <h3>${m('penalty')}</h3>
          <label>${m('decisionNo')} <input name="decisionNo" required maxlength="100" /></label>
          <button type="submit" class="primary big">${m('submit')}</button>
        </form>`;
      case 'finishing':
        return html`<p class="muted" role="status">${m('finishing')}</p>`;
    }
  }

  const list = () => getWithCache('/api/enforcement/cases');

  // One case: the step's form above the shared case view.
  if (sub === 'case' && caseId) {
    let item: Item | null = null;
    const view = mountCaseView(el, {
      caseId,
      user,
      back: backLink('#/enforcement'),
      notify: ctx.notify,
      actions: (_c, reload) =>
        item
          ? html`<p>
                <span class="badge" data-testid="stage">${item.stageLabel}</span>
                ${item.rectifyOverdue ? html`<span class="badge red">${m('overdue')}</span>` : nothing}
              </p>
              ${stageForm(item, () => void refresh().then(reload))}`
          : nothing,
    });
    const refresh = async () => {
      try {
        item = (await list()).data.items.find((i) => i.id === caseId) ?? null;
      } catch (err) {
        ctx.notify(describeError(err), 'error');
      }
      view.redraw();
    };
    redraw = view.redraw;
    void refresh();
    const off = onQueueChange(() => void refresh().then(view.reload));
    return () => {
      off();
      view.stop();
    };
  }

  let items: Item[] = [];
  let error = '';
  let cached = false;
  let loading = true;
  async function load() {
    try {
      const res = await list();
      items = res.data.items;
      cached = res.cached;
      error = '';
    } catch (err) {
      error = describeError(err);
    }
    loading = false;
    draw();
  }
  function draw() {
    render(
      html`<h2>${m('heading')}</h2>
        ${cached ? html`<p class="muted" role="status">${m('cached')}</p>` : nothing}
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${
          loading
            ? html`<p class="muted">…</p>`
            : items.length === 0
              ? html`<p class="muted">${m('empty')}</p>`
              : html`<ul class="plain" data-testid="enforcement-cases">
                  ${items.map(
                    (c) =>
                      html`<li class="card" data-case=${c.caseNo}>
                        <p class="row">
                          <a href="#/enforcement/case/${c.id}"><strong>${c.caseNo}</strong></a>
                          <span class="badge" data-testid="stage">${c.stageLabel}</span>
                          ${c.rectifyOverdue ? html`<span class="badge red">${m('overdue')}</span>` : nothing}
                        </p>
                        <p>${c.categoryName}</p>
                        <p>${c.description}</p>
                        <p class="muted">${c.address ?? ''} · ${m('handed')} ${formatTime(c.handedAt)}</p>
                        ${c.handedReason ? html`<p class="muted">${m('reason')}：${c.handedReason}</p>` : nothing}
                        ${c.rectifyDeadline ? html`<p>${m('deadline')}：${formatTime(c.rectifyDeadline)}</p>` : nothing}
                        <a class="button primary" href="#/enforcement/case/${c.id}">${m('open')}</a>
                      </li>`,
                  )}
                </ul>`
        }`,
      el,
    );
  }
  redraw = draw;
  draw();
  void load();
  const off = onQueueChange(() => void load());
  const timer = setInterval(() => !document.hidden && void load(), 15_000);
  return () => {
    off();
    clearInterval(timer);
  };
};
