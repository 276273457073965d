/**
 * 城管通 (field supervisors): 上班/下班 with the patrol track (patrol.ts), 上报 and 自处理 (report.ts),
 * 我的任务 — 核实 and 核查 assigned to me with the time left (GET /api/field/tasks, polled while the app
 * is open: a new task vibrates and beeps) — and one task (task.ts).
 *
 * Screens: `#/supervisor` (duty and the actions), `#/supervisor/report[/<queue item>]`,
 * `#/supervisor/self[/<queue item>]`, `#/supervisor/tasks`, `#/supervisor/task/<case id>`,
 * `#/supervisor/nearby` (附近的上报, nearby.ts).
 */
import { html, nothing, render } from 'lit-html';
import { api, describeError } from '../../../../src/lib/api.ts';
import { clockBadge, type CaseClock } from '../../../../src/lib/clock.ts';
import { formatTime, label } from '../../../../src/lib/i18n.ts';
import { categoryName } from '../../case-view.ts';
import { getWithCache } from '../../fetch.ts';
import type { MountModule } from '../../modules.ts';
import { enqueue } from '../../queue.ts';
import { backLink, outcome } from '../../ui.ts';
import { onPatrol, patrol, startTracking, stopTracking, tracking } from './patrol.ts';
import { mountNearby } from './nearby.ts';
import { mountReport } from './report.ts';
import { mountTask } from './task.ts';
import { w } from './words.ts';

interface Shift {
  id: string;
  startedAt: string;
  durationSeconds: number;
  distanceM: number;
  pointCount: number;
}
interface Duty {
  shift: Shift | null;
  positionSeconds: number;
}
interface Task {
  id: string;
  caseNo: string;
  task: 'verify' | 'check';
  categoryKind: string;
  categoryCode: string;
  urgency: string;
  description: string;
  address: string | null;
  assignedAt: string;
  clock: CaseClock | null;
}

const TASK_POLL_MS = 10_000;
const DUTY_KEY = 'hub.app.duty';
/** Task ids seen, so only new ones alert (kept across screens and reloads). */
const SEEN_KEY = 'hub.app.seenTasks';

let duty: Duty | null = JSON.parse(localStorage.getItem(DUTY_KEY) ?? 'null') as Duty | null;
let tasks: Task[] = [];
const taskNames = new Map<string, string>();
let tasksCached = false;

const geoError = (e: GeolocationPositionError) =>
  e.code === 1 ? w('geoDenied') : w('geoFailed', { message: e.message });

function alertNewTask() {
  navigator.vibrate?.([300, 120, 300]);
  try {
    const audio = new AudioContext();
    const osc = audio.createOscillator();
    osc.frequency.value = 880;
    osc.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  } catch {
    // No sound (no user gesture yet, or no audio): the vibration and the notice remain.
  }
}

async function loadTasks(notify: (t: string, k?: 'ok' | 'error' | 'info') => void): Promise<void> {
  const { data, cached } = await getWithCache('/api/field/tasks');
  tasks = data.items;
  tasksCached = cached;
  for (const t of tasks) taskNames.set(t.id, await categoryName(t.categoryKind, t.categoryCode));
  const seen = new Set<string>(JSON.parse(localStorage.getItem(SEEN_KEY) ?? '[]') as string[]);
  const fresh = tasks.filter((t) => !seen.has(t.id));
  if (fresh.length && seen.size + fresh.length > fresh.length) {
    alertNewTask();
    notify(
      w('newTask', {
        what: fresh.map((t) => `${t.task === 'verify' ? w('verify') : w('check')} ${t.caseNo}`).join('、'),
      }),
      'info',
    );
  }
  // The first load of a fresh phone marks what is there as seen without alerting.
  localStorage.setItem(SEEN_KEY, JSON.stringify(tasks.map((t) => t.id).concat(seen.size ? [] : ['-'])));
}

export const mount: MountModule = (el, ctx) => {
  const [screen, id] = ctx.path;
  if (screen === 'report' || screen === 'self') return mountReport(el, ctx, screen === 'self', id);
  if (screen === 'task' && id) return mountTask(el, ctx, id);
  if (screen === 'nearby') return mountNearby(el, ctx);

  let error = '';
  let busy = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  async function loadDuty() {
    try {
      duty = await api('/api/field/duty');
      localStorage.setItem(DUTY_KEY, JSON.stringify(duty));
      if (duty.shift && !tracking()) startTracking(duty.positionSeconds, w('trackBatch'), geoError);
    } catch (err) {
      if (navigator.onLine) error = describeError(err);
    }
    draw();
  }

  async function goOnDuty() {
    busy = true;
    draw();
    const item = await enqueue({
      module: 'supervisor',
      title: w('startTitle'),
      request: {
        method: 'POST',
        path: '/api/field/duty/start',
        body: { observedAt: new Date().toISOString() },
      },
    });
    busy = false;
    const o = outcome(item);
    if (item.state === 'failed') return ctx.notify(o.text, 'error');
    if (item.state === 'sent') duty = { ...(duty ?? { positionSeconds: 30 }), shift: item.result as Shift };
    else
      duty = {
        ...(duty ?? { positionSeconds: 30 }),
        shift: {
          id: '',
          startedAt: new Date().toISOString(),
          durationSeconds: 0,
          distanceM: 0,
          pointCount: 0,
        },
      };
    localStorage.setItem(DUTY_KEY, JSON.stringify(duty));
    startTracking(duty.positionSeconds, w('trackBatch'), geoError);
    ctx.notify(o.text, o.kind);
    draw();
  }

  async function goOffDuty() {
    busy = true;
    draw();
    await stopTracking(w('trackBatch'));
    const item = await enqueue({
      module: 'supervisor',
      title: w('endTitle'),
      request: {
        method: 'POST',
        path: '/api/field/duty/end',
        body: { observedAt: new Date().toISOString() },
      },
    });
    busy = false;
    duty = duty && { ...duty, shift: null };
    localStorage.setItem(DUTY_KEY, JSON.stringify(duty));
    const o = outcome(item);
    ctx.notify(o.text, o.kind);
    draw();
  }

  function dutyCard() {
    const p = patrol();
    const shift = duty?.shift ?? null;
    const on = Boolean(shift) || p.onDuty;
    const minutes = shift ? Math.floor((Date.now() - Date.parse(shift.startedAt)) / 60_000) : 0;
    return html`<section class="card duty ${on ? 'on' : ''}" data-testid="duty">
      <p class="row">
        <span class="badge ${on ? 'green' : ''}" data-testid="duty-state"
          >${on ? w('onDuty') : w('offDuty')}</span
        >
      </p>
      ${
        shift
          ? html`<p>
              ${w('since', { time: formatTime(shift.startedAt), minutes, km: (shift.distanceM / 1000).toFixed(2) })}
            </p>`
          : nothing
      }
      ${
        on
          ? html`<p class="muted" data-testid="fix">
              ${p.latest ? w('lastFix', { m: Math.round(p.latest.accuracy) }) : w('noFix')} ·
              ${w('fixes', { n: p.recorded })}
            </p>`
          : nothing
      }
      ${p.error ? html`<p class="error" role="alert">${p.error}</p>` : nothing}
      <button
        type="button"
        class=${on ? 'danger big' : 'ok big'}
        ?disabled=${busy}
        @click=${on ? goOffDuty : goOnDuty}
      >
        ${on ? w('end') : w('start')}
      </button>
    </section>`;
  }

  function taskList() {
    if (tasks.length === 0) return html`<p class="muted">${w('noTasks')}</p>`;
    return html`<ul class="plain" data-testid="tasks">
      ${tasks.map(
        (t) =>
          html`<li class="card" data-case=${t.caseNo}>
            <a class="row" href="#/supervisor/task/${t.id}">
              <span class="badge">${t.task === 'verify' ? w('verify') : w('check')}</span>
              <strong>${t.caseNo}</strong> ${clockBadge(t.clock)}
            </a>
            <p>${taskNames.get(t.id) ?? t.categoryCode} · ${label('urgency', t.urgency)}</p>
            <p>${t.description}</p>
            <p class="muted">${t.address ?? ''}</p>
          </li>`,
      )}
    </ul>`;
  }

  function draw() {
    if (stopped) return;
    if (screen === 'tasks') {
      ctx.setTitle(w('tasks'));
      render(
        html`${backLink('#/supervisor')}
          <h2>${w('tasksCount', { n: tasks.length })}</h2>
          ${tasksCached ? html`<p class="muted" role="status">离线：显示的是上次保存的任务</p>` : nothing}
          ${error ? html`<p class="error" role="alert">${error}</p>` : nothing} ${taskList()}`,
        el,
      );
      return;
    }
    render(
      html`${dutyCard()}
        <div class="stack">
          <a class="button primary big" href="#/supervisor/report" data-testid="go-report">${w('report')}</a>
          <a class="button big" href="#/supervisor/self" data-testid="go-self">${w('selfHandle')}</a>
          <a class="button big" href="#/supervisor/tasks" data-testid="go-tasks"
            >${w('tasksCount', { n: tasks.length })}</a
          >
          <a class="button big" href="#/supervisor/nearby" data-testid="go-nearby">${w('nearby')}</a>
        </div>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}`,
      el,
    );
  }

  const poll = async () => {
    if (stopped) return;
    try {
      await Promise.all([loadTasks(ctx.notify), screen === 'tasks' ? null : loadDuty()]);
      error = '';
    } catch (err) {
      if (navigator.onLine) error = describeError(err);
    }
    draw();
    timer = setTimeout(() => void poll(), TASK_POLL_MS);
  };
  const off = onPatrol(draw);
  // A reload while on duty resumes the track at once, before the hub answers.
  if (patrol().onDuty && !tracking()) startTracking(duty?.positionSeconds ?? 30, w('trackBatch'), geoError);
  draw();
  void loadDuty();
  void poll();
  const tick = setInterval(draw, 30_000);
  return () => {
    stopped = true;
    off();
    clearTimeout(timer);
    clearInterval(tick);
  };
};
