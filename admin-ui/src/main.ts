/**
 * The admin UI's shell: login, role-aware navigation, language switch, and a hash router that mounts
 * one page at a time (#/cases, #/cases/<id>, #/designer, …). Pages are loaded on demand.
 */
import { html, render, nothing } from 'lit-html';
import {
  api,
  describeError,
  loadSession,
  saveSession,
  setUnauthenticatedHandler,
  type Session,
} from './lib/api.ts';
import { currentLang, label, setLang, t } from './lib/i18n.ts';
import { mayLeave } from './lib/leave-guard.ts';
import { PAGES, pagesFor, type PageDef } from './lib/pages.ts';
import './style.css';

const root = document.getElementById('app')!;
let cleanup: (() => void) | void = undefined;
let loginError = '';

const navigate = (hash: string) => {
  if (location.hash === hash) void route();
  else location.hash = hash;
};

function parseHash(): { page: string; params: string[] } {
  const [page = '', ...params] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return { page, params };
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
    const first = pagesFor(session.user)[0];
    navigate(first ? `#/${first.id}` : '#/');
  } catch (err) {
    loginError = t('login.failed', { message: describeError(err) });
    void route();
  }
}

async function logout() {
  if (!mayLeave()) return;
  try {
    await api('/api/auth/logout', { method: 'POST' });
  } catch {
    // The session may be gone already; leaving is what matters.
  }
  saveSession(null);
  navigate('#/login');
}

/** The user's roles beside the name, unless the name already is the role (系统管理员 (系统管理员)). */
function roleNote(user: Session['user']) {
  const roles = user.roles.map((r) => label('role', r)).filter((r) => r !== user.displayName);
  return roles.length ? html`<span class="roles">(${roles.join(t('app.listSep'))})</span>` : nothing;
}

function toggleLang() {
  setLang(currentLang() === 'zh-CN' ? 'en' : 'zh-CN');
  void route();
}

const langButton = () =>
  html`<button
    type="button"
    class="link"
    lang=${currentLang() === 'zh-CN' ? 'en' : 'zh-CN'}
    title=${t('app.langLabel')}
    @click=${toggleLang}
  >
    ${t('app.lang')}
  </button>`;

function renderLogin() {
  document.title = `${t('login.heading')} · ${t('app.title')}`;
  render(
    html`<main id="main" class="login">
      <div class="login-box">
        <h1>${t('app.title')}</h1>
        <form @submit=${login} aria-labelledby="login-heading">
          <h2 id="login-heading">${t('login.heading')}</h2>
          <label>${t('login.username')} <input name="username" autocomplete="username" required /></label>
          <label
            >${t('login.password')}
            <input name="password" type="password" autocomplete="current-password" required
          /></label>
          ${loginError ? html`<p class="error" role="alert">${loginError}</p>` : nothing}
          <button type="submit" class="primary">${t('login.submit')}</button>
        </form>
        <p>${langButton()}</p>
      </div>
    </main>`,
    root,
  );
}

function renderShell(session: Session, pages: PageDef[], active: string) {
  const user = session.user;
  render(
    html`<a
        class="skip"
        href="#main"
        @click=${(e: Event) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
        >${t('app.skip')}</a
      >
      <header class="topbar">
        <span class="brand">${t('app.title')}</span>
        <nav aria-label=${t('app.mainNav')}>
          <ul>
            ${pages.map(
              (p) =>
                html`<li>
                  <a href="#/${p.id}" data-page=${p.id} aria-current=${p.id === active ? 'page' : 'false'}
                    >${t(p.nav)}</a
                  >
                </li>`,
            )}
          </ul>
        </nav>
        <span class="who">
          <span data-testid="user">${user.displayName}</span>
          ${roleNote(user)} ${langButton()}
          <button type="button" class="link" @click=${logout}>${t('app.logout')}</button>
        </span>
      </header>
      <main id="main" tabindex="-1"><div id="page" class="page"></div></main>`,
    root,
  );
  return document.getElementById('page')!;
}

let routeSeq = 0;

/** The address of the page on screen. */
let shownHash = location.hash;

async function route() {
  const seq = ++routeSeq;
  shownHash = location.hash;
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  const session = loadSession();
  const { page, params } = parseHash();
  if (!session) {
    if (page !== 'login') return navigate('#/login');
    return renderLogin();
  }
  const pages = pagesFor(session.user);
  if (page === 'login' || page === '') {
    const first = pages[0];
    if (first) return navigate(`#/${first.id}`);
  }
  const def = pages.find((p) => p.id === page);
  const el = renderShell(session, pages, page);
  // Each page renders into a fresh host element of its own (the shell's lit template never touches it).
  const host = document.createElement('div');
  el.replaceChildren(host);
  if (!def) {
    const known = PAGES.some((p) => p.id === page);
    render(html`<p role="alert">${t(known || page === '' ? 'app.notAllowed' : 'app.notFound')}</p>`, host);
    return;
  }
  document.title = `${t(def.nav)} · ${t('app.title')}`;
  render(html`<p class="muted">${t('app.loading')}</p>`, host);
  try {
    const { mount } = await def.load(params);
    if (seq !== routeSeq) return;
    const pageHost = document.createElement('div');
    el.replaceChildren(pageHost);
    cleanup = mount(pageHost, { user: session.user, params, navigate });
  } catch (err) {
    render(html`<p class="error" role="alert">${t('app.error', { message: describeError(err) })}</p>`, host);
  }
}

setUnauthenticatedHandler(() => navigate('#/login'));
window.addEventListener('hashchange', () => {
  if (location.hash === shownHash) return; // the address put back after a refused leave
  // A page with unfinished work asks first; staying puts its address back (no new history entry).
  if (!mayLeave()) return history.replaceState(null, '', shownHash);
  void route();
});
void route();
