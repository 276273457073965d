/**
 * 巡查轨迹 (shift leaders): the supervisors' patrol of a day — each one's 上班/下班, time on duty and 巡查里程
 * (GET /api/field/shifts for the day) — and one supervisor's day on the map (`#/patrol/<date>/<userId>`:
 * every shift's track from GET /api/field/shifts/:id/track, as points, the first and last labelled with
 * their time). MapLibre loads only on the day view.
 */
import type { Feature, FeatureCollection } from 'geojson';
import { html, nothing, render } from 'lit-html';
import { api, describeError } from '../../../../src/lib/api.ts';
import { formatTime } from '../../../../src/lib/i18n.ts';
import type { HubMap } from '../../../../src/lib/map/index.ts';
import { cityInputToIso, isoToCityInput } from '../../../../src/lib/time.ts';
import { defineMessages } from '../../i18n.ts';
import type { MountModule } from '../../modules.ts';
import { backLink } from '../../ui.ts';

const m = defineMessages(
  {
    heading: '监督员巡查',
    date: '日期',
    none: '这一天没有监督员上班记录',
    shifts: '上班 {n} 次',
    onDuty: '巡查中',
    duty: '在岗 {h} 小时 {min} 分',
    km: '巡查里程 {km} 公里',
    points: '{n} 个位置',
    track: '查看轨迹',
    day: '{name} · {date} 巡查轨迹',
    start: '上班',
    end: '下班',
    last: '最后位置',
    noTrack: '没有记录到位置',
    mapFailed: '地图暂时打不开：{message}',
  },
  {
    heading: 'Supervisors’ patrols',
    date: 'Date',
    none: 'No supervisor was on duty that day',
    shifts: '{n} shift(s)',
    onDuty: 'On patrol',
    duty: 'On duty {h} h {min} min',
    km: 'Patrolled {km} km',
    points: '{n} positions',
    track: 'Show the track',
    day: '{name} · {date} patrol track',
    start: 'On duty',
    end: 'Off duty',
    last: 'Latest',
    noTrack: 'No position recorded',
    mapFailed: 'The map cannot open: {message}',
  },
);

interface Shift {
  id: string;
  userId: string;
  displayName: string;
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number;
  distanceM: number;
  pointCount: number;
}
interface Track extends Shift {
  track: { geometry: { coordinates: number[][] }; properties: { times: string[] } };
}

const today = () => isoToCityInput(new Date()).slice(0, 10);
const hhmm = (iso: string) => isoToCityInput(iso).slice(11, 16);
const dutyText = (seconds: number) =>
  m('duty', { h: Math.floor(seconds / 3600), min: Math.floor((seconds % 3600) / 60) });
const kmText = (metres: number) => m('km', { km: (metres / 1000).toFixed(2) });

/** The shifts started on a city date. */
async function shiftsOf(date: string, userId?: string): Promise<Shift[]> {
  const from = cityInputToIso(`${date}T00:00`);
  const to = new Date(Date.parse(from) + 86_400_000).toISOString();
  return (await api('/api/field/shifts', { query: { from, to, limit: '500', userId } })).items.reverse();
}

export const mount: MountModule = (el, ctx) => {
  const [date = today(), userId] = ctx.path;
  return userId ? mountDay(el, ctx, date, userId) : mountList(el, ctx, date);
};

function mountList(el: HTMLElement, ctx: Parameters<MountModule>[1], date: string) {
  let shifts: Shift[] | null = null;
  let error = '';
  const load = async () => {
    try {
      shifts = await shiftsOf(date);
      error = '';
    } catch (err) {
      error = describeError(err);
    }
    draw();
  };
  function draw() {
    const people = new Map<string, Shift[]>();
    for (const s of shifts ?? []) people.set(s.userId, [...(people.get(s.userId) ?? []), s]);
    render(
      html`<h2>${m('heading')}</h2>
        <label
          >${m('date')}
          <input
            type="date"
            .value=${date}
            @change=${(e: Event) => ctx.navigate(`#/patrol/${(e.target as HTMLInputElement).value}`)}
        /></label>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${shifts && people.size === 0 ? html`<p class="muted">${m('none')}</p>` : nothing}
        <ul class="plain" data-testid="patrols">
          ${[...people.values()].map((list) => {
            const first = list[0]!;
            const open = list.some((s) => !s.endedAt);
            return html`<li class="card" data-user=${first.displayName}>
              <p class="row">
                <strong>${first.displayName}</strong>
                ${open ? html`<span class="badge green">${m('onDuty')}</span>` : nothing}
              </p>
              <p>
                ${m('shifts', { n: list.length })} ·
                ${list.map((s) => `${hhmm(s.startedAt)}–${s.endedAt ? hhmm(s.endedAt) : ''}`).join('，')}
              </p>
              <p data-testid="patrol-figures">
                ${dutyText(list.reduce((a, s) => a + s.durationSeconds, 0))} ·
                ${kmText(list.reduce((a, s) => a + s.distanceM, 0))}
              </p>
              <a class="button primary" href="#/patrol/${date}/${first.userId}">${m('track')}</a>
            </li>`;
          })}
        </ul>`,
      el,
    );
  }
  draw();
  void load();
  const timer = setInterval(() => !document.hidden && void load(), 60_000);
  return () => clearInterval(timer);
}

function mountDay(el: HTMLElement, ctx: Parameters<MountModule>[1], date: string, userId: string) {
  let tracks: Track[] = [];
  let error = '';
  let mapError = '';
  let map: HubMap | null = null;
  let stopped = false;

  /** Every fix of the day as a point; the first of each shift and the day's last one labelled. */
  function points(): FeatureCollection {
    const features: Feature[] = [];
    for (const t of tracks) {
      const { coordinates } = t.track.geometry;
      coordinates.forEach(([lng, lat], i) => {
        const at = t.track.properties.times[i]!;
        const label = i === 0 ? `${m('start')} ${hhmm(at)}` : i === coordinates.length - 1 ? hhmm(at) : '';
        features.push({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [lng!, lat!] },
          properties: { label },
        });
      });
    }
    return { type: 'FeatureCollection', features };
  }

  async function load() {
    try {
      const shifts = await shiftsOf(date, userId);
      tracks = await Promise.all(shifts.map((s) => api(`/api/field/shifts/${s.id}/track`)));
      error = '';
    } catch (err) {
      error = describeError(err);
    }
    draw();
    const host = el.querySelector<HTMLElement>('#patrol-map');
    const fc = points();
    if (!host || stopped || fc.features.length === 0) return;
    try {
      const { createMap } = await import('../../../../src/lib/map/index.ts');
      const [lng, lat] = (fc.features[0]!.geometry as { coordinates: number[] }).coordinates;
      map = await createMap(host, {
        layers: ['grid'],
        layerControl: false,
        center: { lng: lng!, lat: lat! },
        zoom: 15,
      });
      if (stopped) return map.destroy();
      map.setOverlay('patrol-track', fc, { title: m('heading'), color: '#0b57a4', label: 'label' });
      host.dataset.points = String(fc.features.length);
    } catch (err) {
      mapError = describeError(err);
      draw();
    }
  }

  function draw() {
    const name = tracks[0]?.displayName ?? '';
    ctx.setTitle(m('heading'));
    render(
      html`${backLink(`#/patrol/${date}`)}
        <h2>${m('day', { name, date })}</h2>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        <p data-testid="patrol-figures">
          ${dutyText(tracks.reduce((a, s) => a + s.durationSeconds, 0))} ·
          ${kmText(tracks.reduce((a, s) => a + s.distanceM, 0))}
        </p>
        <div class="map fill tall" id="patrol-map" aria-label=${m('heading')}></div>
        ${mapError ? html`<p class="muted">${m('mapFailed', { message: mapError })}</p>` : nothing}
        <ol class="plain" data-testid="shifts">
          ${tracks.map(
            (t) =>
              html`<li class="card">
                <p>
                  <strong>${m('start')} ${formatTime(t.startedAt)}</strong> ·
                  ${t.endedAt ? html`${m('end')} ${hhmm(t.endedAt)}` : m('onDuty')}
                </p>
                <p>
                  ${dutyText(t.durationSeconds)} · ${kmText(t.distanceM)} ·
                  ${t.pointCount ? m('points', { n: t.pointCount }) : m('noTrack')}
                </p>
              </li>`,
          )}
        </ol>`,
      el,
    );
  }
  draw();
  void load();
  return () => {
    stopped = true;
    map?.destroy();
  };
}
