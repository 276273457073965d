/**
 * The installable app's shell (智信平台, served at /app/): login (the hub's session tokens, kept in
 * localStorage so the offline queue survives an app restart), the modules the user's roles allow
 * (modules.ts), the outbox of the offline queue (queue.ts), the network state, the service worker
 * (sw.js: the app opens with no network). Laid out for a phone held in one hand outdoors: large targets,
 * a bottom tab bar, high contrast.
 */
// The icon's built (content-hashed) URL, the one the page's icon link and the manifest use: one download.
import appIcon from 'virtual:app-icon';
import { html, nothing, render } from 'lit-html';
import {
  api,
  describeError,
  keepSessionIn,
  loadSession,
  saveSession,
  setUnauthenticatedHandler,
  type User,
} from '../../src/lib/api.ts';
import { currentLang, formatTime, label, setLang } from '../../src/lib/i18n.ts';
import { tr } from './messages.ts';
import { modulesFor, publicModule, type AppModule } from './modules.ts';
import { counts, flush, listItems, onQueueChange, removeItem, startQueue, type QueueItem } from './queue.ts';
import { setClockSkew } from './clock.ts';
import { stateBadge } from './ui.ts';
import './app.css';

/** A performance mark at the first frame with the login form (bench/app.ts's first and repeat load). */
const FIRST_SCREEN_MARK = 'app:login-drawn';

keepSessionIn(localStorage);
const root = document.getElementById('app')!;
let cleanup: (() => void) | void = undefined;
let loginError = '';
let notice: { text: string; kind: 'ok' | 'error' | 'info' } | null = null;
let noticeTimer: ReturnType<typeof setTimeout> | undefined;
let title = '';
let waiting = 0;
let failed = 0;

const modName = (m: AppModule) => (currentLang() === 'en' ? m.name.en : m.name.zh);
const modSummary = (m: AppModule) => (currentLang() === 'en' ? m.summary.en : m.summary.zh);

function navigate(hash: string) {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

function parseHash() {
  const [first = '', ...rest] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return { first, rest };
}

function notify(text: string, kind: 'ok' | 'error' | 'info' = 'info') {
  notice = { text, kind };
  clearTimeout(noticeTimer);
  if (kind !== 'error') noticeTimer = setTimeout(() => ((notice = null), drawChrome()), 6000);
  drawChrome();
}

async function login(event: SubmitEvent) {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  try {
    const session = await api('/api/auth/login', {
      method: 'POST',
      body: { username: String(form.get('username')), password: String(form.get('password')) },
    });
    saveSession(session);
    loginError = '';
    void flush();
    navigate('#/');
  } catch (err) {
    loginError = tr('login.failed', { message: describeError(err) });
    void route();
  }
}

async function logout() {
  const c = await counts();
  const open = c.pending + c.sending;
  if (open > 0 && !confirm(tr('me.logoutBlocked', { n: open }))) return;
  try {
    await api('/api/auth/logout', { method: 'POST' });
  } catch {
    // Offline or already expired: leaving is what matters.
  }
  saveSession(null);
  navigator.serviceWorker?.controller?.postMessage('logout');
  navigate('#/login');
}

// The frame: top bar (title, network, outbox), the page host, the notice line and the tab bar. Drawn
// once per route; the page renders into #page, which this template never touches.
function frame(user: User | null, active: string) {
  const mods = modulesFor(user);
  render(
    html`<header class="bar">
        <h1 id="title"></h1>
        <span id="net"></span>
      </header>
      <main id="main" tabindex="-1"><div id="page"></div></main>
      <div id="notice" aria-live="polite"></div>
      ${
        user
          ? html`<nav class="tabs" aria-label=${tr('title')}>
              ${
                mods.length > 1
                  ? html`<a href="#/" aria-current=${active === '' ? 'page' : 'false'}>${tr('nav.home')}</a>`
                  : nothing
              }
              ${mods.map(
                (m) =>
                  html`<a
                    href="#/${m.id}"
                    data-module=${m.id}
                    aria-current=${active === m.id ? 'page' : 'false'}
                    >${modName(m)}</a
                  >`,
              )}
              <a href="#/queue" aria-current=${active === 'queue' ? 'page' : 'false'} data-testid="queue-tab"
                >${tr('nav.queue')}<span id="qbadge"></span
              ></a>
              <a href="#/me" aria-current=${active === 'me' ? 'page' : 'false'}>${tr('nav.me')}</a>
            </nav>`
          : nothing
      }`,
    root,
  );
  drawChrome();
  // A fresh host per route: a page's lit state never meets the next page's DOM.
  const host = document.createElement('div');
  document.getElementById('page')!.replaceChildren(host);
  return host;
}

/** The parts that change without a route: title, network line, outbox badge, notice. */
function drawChrome() {
  const t = document.getElementById('title');
  if (t) t.textContent = title || tr('title');
  const net = document.getElementById('net');
  if (net)
    render(
      navigator.onLine ? nothing : html`<span class="offline" role="status">${tr('net.offline')}</span>`,
      net,
    );
  const badge = document.getElementById('qbadge');
  if (badge)
    render(
      waiting + failed > 0
        ? html`<span class=${failed ? 'count failed' : 'count'} data-testid="queue-count"
            >${waiting + failed}</span
          >`
        : nothing,
      badge,
    );
  const n = document.getElementById('notice');
  if (n)
    render(
      notice
        ? html`<p class="notice ${notice.kind}" role=${notice.kind === 'error' ? 'alert' : 'status'}>
            ${notice.text}
            <button
              type="button"
              class="link"
              aria-label=${tr('photo.close')}
              @click=${() => ((notice = null), drawChrome())}
            >
              ×
            </button>
          </p>`
        : nothing,
      n,
    );
}

async function refreshCounts() {
  const c = await counts();
  waiting = c.pending + c.sending;
  failed = c.failed;
  drawChrome();
}

function renderLogin() {
  title = tr('title');
  const page = frame(null, 'login');
  const open = modulesFor(null);
  render(
    html`<section class="login">
      <img src=${appIcon} alt="" width="72" height="72" />
      <form @submit=${login}>
        <h2>${tr('login.heading')}</h2>
        <label>${tr('login.username')} <input name="username" autocomplete="username" required /></label>
        <label
          >${tr('login.password')}
          <input name="password" type="password" autocomplete="current-password" required
        /></label>
        ${loginError ? html`<p class="error" role="alert">${loginError}</p>` : nothing}
        <button type="submit" class="primary big">${tr('login.submit')}</button>
      </form>
      ${open.map(
        (m) =>
          html`<a class="tile" href="#/${m.id}"><strong>${modName(m)}</strong> ${tr('login.public')}</a>`,
      )}
      <button type="button" class="link" @click=${toggleLang}>${tr('me.lang')}</button>
    </section>`,
    page,
  );
  // When the first screen was drawn, by the page's own clock (bench/app.ts reads it).
  if (performance.getEntriesByName(FIRST_SCREEN_MARK).length === 0)
    requestAnimationFrame(() => performance.mark(FIRST_SCREEN_MARK));
}

function toggleLang() {
  setLang(currentLang() === 'zh-CN' ? 'en' : 'zh-CN');
  void route();
}

function renderHome(user: User, page: HTMLElement) {
  const mods = modulesFor(user);
  render(
    html`<h2>${tr('home.heading')}</h2>
      ${mods.length === 0 ? html`<p class="muted">${tr('home.none')}</p>` : nothing}
      <ul class="plain tiles">
        ${mods.map(
          (m) =>
            html`<li>
              <a class="tile" href="#/${m.id}"><strong>${modName(m)}</strong><span>${modSummary(m)}</span></a>
            </li>`,
        )}
      </ul>`,
    page,
  );
}

function renderQueue(page: HTMLElement) {
  let items: QueueItem[] = [];
  const draw = () =>
    render(
      html`<h2>${tr('queue.heading')}</h2>
        ${
          items.some((i) => i.state === 'pending')
            ? html`<button type="button" class="big" @click=${() => void flush()}>
                ${tr('queue.sendNow')}
              </button>`
            : nothing
        }
        ${items.length === 0 ? html`<p class="muted">${tr('queue.empty')}</p>` : nothing}
        <ul class="plain" data-testid="queue-list">
          ${items.map(
            (i) =>
              html`<li class="card" data-state=${i.state}>
                <p class="row">
                  ${stateBadge(i.state)} <strong>${i.title}</strong>
                  ${
                    i.state === 'sent' && (i.result as { caseNo?: string } | null)?.caseNo
                      ? html`<span data-testid="queue-caseno"
                          >${(i.result as { caseNo: string }).caseNo}</span
                        >`
                      : nothing
                  }
                </p>
                <p class="muted">
                  ${formatTime(i.createdAt)}${i.attempts > 1 ? ` · ${tr('queue.attempts', { n: i.attempts })}` : ''}
                </p>
                ${
                  i.state === 'failed' && i.error
                    ? html`<p class="error" data-testid="queue-reason">
                        ${tr('queue.reason', { reason: i.error })}
                      </p>`
                    : i.state === 'pending' && i.error
                      ? html`<p class="muted">${tr('queue.retryNote', { reason: i.error })}</p>`
                      : nothing
                }
                ${
                  i.state === 'failed'
                    ? html`<div class="toolbar">
                        ${i.editHash ? html`<a class="button primary" href=${i.editHash}>${tr('queue.edit')}</a>` : nothing}
                        <button type="button" @click=${() => void removeItem(i.id)}>
                          ${tr('queue.remove')}
                        </button>
                      </div>`
                    : nothing
                }
              </li>`,
          )}
        </ul>`,
      page,
    );
  const load = async () => {
    items = (await listItems()).filter((i) => !(i.quiet && i.state === 'sent'));
    draw();
  };
  void load();
  return onQueueChange(() => void load());
}

function renderMe(user: User, page: HTMLElement) {
  const sw = Boolean(navigator.serviceWorker?.controller);
  render(
    html`<h2>${tr('me.heading')}</h2>
      <section class="card">
        <p><strong data-testid="user">${user.displayName}</strong> (${user.username})</p>
        <p>${tr('me.roles')}：${user.roles.map((r) => label('role', r)).join('、')}</p>
        <p class="muted">${tr('me.version', { state: sw ? tr('me.swReady') : tr('me.swNone') })}</p>
        <p class="muted">${tr('me.install')}</p>
      </section>
      <div class="stack">
        <button type="button" class="big" @click=${toggleLang}>${tr('me.lang')}</button>
        <button type="button" class="big danger" @click=${logout}>${tr('me.logout')}</button>
      </div>`,
    page,
  );
}

const started = new Set<string>();
/** Starts the modules' background work for the signed-in user (once per module and page load). */
function startBackground(user: User | null) {
  for (const m of modulesFor(user)) {
    if (!m.background || !user || started.has(m.id)) continue;
    started.add(m.id);
    void m
      .background()
      .then((b) => b.start(user))
      .catch(() => started.delete(m.id));
  }
}

let routeSeq = 0;
async function route() {
  const seq = ++routeSeq;
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  title = '';
  const session = loadSession();
  const user = session?.user ?? null;
  const { first, rest } = parseHash();
  const mods = modulesFor(user);
  startBackground(user);
  const mod = mods.find((m) => m.id === first) ?? publicModule(first);
  if (!user && !mod) {
    if (first !== 'login') return navigate('#/login');
    return renderLogin();
  }
  if (user && (first === '' || first === 'login')) {
    const only = mods.length === 1 ? mods[0] : undefined;
    if (only) return navigate(`#/${only.id}`);
    if (first === 'login') return navigate('#/');
  }
  const page = frame(user, mod?.id ?? first);
  if (first === '' && user) return renderHome(user, page);
  if (first === 'queue') {
    title = tr('nav.queue');
    drawChrome();
    cleanup = renderQueue(page);
    return;
  }
  if (first === 'me' && user) {
    title = tr('nav.me');
    drawChrome();
    return renderMe(user, page);
  }
  if (!mod) return render(html`<p role="alert">${tr('app.notFound')}</p>`, page);
  title = modName(mod);
  drawChrome();
  render(html`<p class="muted">${tr('app.loading')}</p>`, page);
  try {
    const { mount } = await mod.load();
    if (seq !== routeSeq) return;
    const host = document.createElement('div');
    page.replaceChildren(host);
    cleanup = mount(host, {
      user,
      path: rest,
      navigate,
      notify,
      setTitle: (text) => {
        title = text;
        drawChrome();
      },
    });
  } catch (err) {
    render(html`<p class="error" role="alert">${tr('app.error', { message: describeError(err) })}</p>`, page);
  }
}

setUnauthenticatedHandler(() => navigate('#/login'));
window.addEventListener('hashchange', () => void route());
window.addEventListener('online', drawChrome);
window.addEventListener('offline', drawChrome);
onQueueChange(() => void refreshCounts());
void route();
startQueue();
void refreshCounts();

// The hub's clock: a phone whose clock is far off is told so (the hub's time is the one recorded).
void fetch('/healthz', { cache: 'no-store' })
  .then((res) => {
    const server = Date.parse(res.headers.get('date') ?? '');
    if (!Number.isNaN(server)) {
      const skew = setClockSkew(Date.now() - server);
      if (Math.abs(skew) > 5 * 60_000)
        notify(tr('clock.skew', { minutes: Math.round(skew / 60_000) }), 'error');
    }
  })
  .catch(() => {});

// Registered from any build; under `vite` (dev server) there is no /app/sw.js and registering fails quietly.
if ('serviceWorker' in navigator) {
  void navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => {});
}
