/**
 * 停车诱导 (#/parking): the parking lots as the signs see them — free spaces per area and per lot, the
 * lots on the map coloured by the share free (空闲 green, 紧张 amber, 已满 red, 未知 grey: a silent
 * feed is not a full lot) — and the statistics of the last 24 hours from the occupancy history (the
 * city's share taken per hour, per lot the mean and peak share, entries and exits, hours 未知). Reads
 * GET /api/parking/lots every PARKING_POLL_MS and GET /api/parking/stats once a minute. Laid out for a
 * phone too: the tables scroll sideways inside their box.
 */
import type { Feature, FeatureCollection, Point as GeoPoint } from 'geojson';
import { html, nothing, render } from 'lit-html';
import { api, describeError, type Item, type Success } from '../lib/api.ts';
import { lineChart, type Point } from '../lib/chart.ts';
import { formatTime, t, type MessageKey } from '../lib/i18n.ts';
import { createMap, preloadMap, type HubMap } from '../lib/map/index.ts';
import type { MountPage } from '../lib/pages.ts';

type Lot = Item<'/api/parking/lots'>;
type Stats = Success<'/api/parking/stats'>;
type Status = Lot['status'];

const PARKING_POLL_MS = 10_000;
const STATS_POLL_MS = 60_000;
const STATUSES: Status[] = ['available', 'few', 'full', 'unknown'];
/** The map's colours: the same as the status chips (style.css .parking-status). */
const COLOURS: Record<Status, string> = {
  available: '#15803d',
  few: '#d97706',
  full: '#b91c1c',
  unknown: '#6b7280',
};

const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(0)}%`);
const statusChip = (status: Status, text: string) =>
  html`<span class="parking-status parking-${status}">${text}</span>`;

type Area = Success<'/api/parking/guidance'>['areas'][number];

function overlays(lots: Lot[]): Record<Status, FeatureCollection<GeoPoint>> {
  const out = Object.fromEntries(
    STATUSES.map((s) => [s, { type: 'FeatureCollection', features: [] as Feature<GeoPoint>[] }]),
  ) as Record<Status, FeatureCollection<GeoPoint>>;
  for (const l of lots.filter((x) => x.active))
    out[l.status].features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [l.lng, l.lat] },
      properties: {
        code: l.code,
        label: `${l.name} ${l.free === null ? t('parking.unknownShort') : t('parking.freeShort', { free: l.free })}`,
      },
    });
  return out;
}

export const mount: MountPage = (el) => {
  let lots: Lot[] | null = null;
  let areas: Area[] = [];
  let stats: Stats | null = null;
  let asOf: string | null = null;
  let error = '';
  let map: HubMap | null = null;
  let stopped = false;
  let opening = false;
  let lotTimer: ReturnType<typeof setTimeout> | undefined;
  let statsTimer: ReturnType<typeof setTimeout> | undefined;
  preloadMap();

  function drawMap() {
    if (!map || !lots) return;
    const data = overlays(lots);
    for (const s of STATUSES)
      map.setOverlay(`parking-${s}`, data[s], {
        title: t(`parking.status.${s}` as MessageKey),
        color: COLOURS[s],
        label: 'label',
      });
  }

  async function loadLots() {
    try {
      // The areas as the signs get them (the public guidance), the lots with the admin's details.
      const [list, guidance] = await Promise.all([api('/api/parking/lots'), api('/api/parking/guidance')]);
      lots = list.items;
      areas = guidance.areas;
      asOf = new Date().toISOString();
      error = '';
      drawMap();
    } catch (err) {
      error = describeError(err);
    }
    if (stopped) return;
    draw();
    openMap();
    lotTimer = setTimeout(() => void loadLots(), PARKING_POLL_MS);
  }

  async function loadStats() {
    try {
      stats = await api('/api/parking/stats', { query: { step: 60 } });
    } catch (err) {
      error = describeError(err);
    }
    if (stopped) return;
    draw();
    statsTimer = setTimeout(() => void loadStats(), STATS_POLL_MS);
  }

  /** The city's share taken per hour (lots whose count was known), labelled every 4 hours. */
  function occupancyPoints(s: Stats): Point[] {
    return s.series.map((p, i) => {
      const hour = new Date(p.at).toLocaleTimeString('zh-CN', {
        timeZone: 'Asia/Shanghai',
        hour: '2-digit',
        hour12: false,
      });
      return {
        label: i % 4 === 0 ? t('parking.hour', { hour: hour.replace(/\D/g, '') }) : '',
        value: p.free === null || !p.capacity ? null : ((p.capacity - p.free) / p.capacity) * 100,
      };
    });
  }

  function draw() {
    render(
      html`<section class="parking-page" aria-labelledby="parking-title">
        <header class="parking-head">
          <h1 id="parking-title">${t('parking.title')}</h1>
          <p class="parking-asof">
            ${asOf ? t('parking.asOf', { time: formatTime(asOf) }) : t('parking.loading')}
          </p>
        </header>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        <div class="parking-areas" data-testid="parking-areas">
          ${areas.map((a) => {
            return html`<article class="parking-area">
              <h2>${a.area}</h2>
              <p class="parking-area-free">
                <strong>${a.free ?? '—'}</strong><span> / ${a.capacity} ${t('parking.spaces')}</span>
              </p>
              <p>
                ${statusChip(a.status, a.statusLabel)}
                ${
                  a.unknownLots
                    ? html`<span class="parking-unknown-note"
                        >${t('parking.unknownLots', { n: a.unknownLots, total: a.lots })}</span
                      >`
                    : nothing
                }
              </p>
            </article>`;
          })}
        </div>
        <div class="parking-map-box">
          <div id="parking-map" aria-label=${t('parking.map')}></div>
          <ul class="parking-legend" aria-label=${t('parking.legend')}>
            ${STATUSES.map(
              (s) =>
                html`<li>
                  <span class="parking-dot" style="background:${COLOURS[s]}"></span>${t(
                    `parking.status.${s}` as MessageKey,
                  )}
                </li>`,
            )}
          </ul>
        </div>
        <h2>${t('parking.lots')}</h2>
        <div class="table-scroll" tabindex="0" role="region" aria-label=${t('parking.lots')}>
          <table class="parking-table" data-testid="parking-lots">
            <thead>
              <tr>
                <th scope="col">${t('parking.lot')}</th>
                <th scope="col" class="wide">${t('parking.area')}</th>
                <th scope="col">${t('parking.capacity')}</th>
                <th scope="col">${t('parking.free')}</th>
                <th scope="col">${t('parking.status')}</th>
                <th scope="col" class="wide">${t('parking.reportedAt')}</th>
              </tr>
            </thead>
            <tbody>
              ${(lots ?? []).map(
                (l) =>
                  html`<tr data-code=${l.code} class=${l.active ? '' : 'inactive'}>
                    <th scope="row">${l.name}<span class="parking-street">${l.street ?? ''}</span></th>
                    <td class="wide">${l.area}</td>
                    <td>${l.capacity}</td>
                    <td class="num">${l.free ?? '—'}</td>
                    <td>${l.active ? statusChip(l.status, l.statusLabel) : t('parking.inactive')}</td>
                    <td class="wide">${l.reportedAt ? formatTime(l.reportedAt) : t('parking.never')}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <h2>${t('parking.stats')}</h2>
        ${
          stats
            ? html`${lineChart(t('parking.occupancyChart'), occupancyPoints(stats), (v) => `${v.toFixed(0)}%`)}
                <div class="table-scroll" tabindex="0" role="region" aria-label=${t('parking.stats')}>
                  <table class="parking-table" data-testid="parking-stats">
                    <thead>
                      <tr>
                        <th scope="col">${t('parking.lot')}</th>
                        <th scope="col">${t('parking.meanOccupancy')}</th>
                        <th scope="col">${t('parking.peakOccupancy')}</th>
                        <th scope="col" class="wide">${t('parking.entries')}</th>
                        <th scope="col" class="wide">${t('parking.exits')}</th>
                        <th scope="col">${t('parking.unknownHours')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${stats.lots.map(
                        (l) =>
                          html`<tr data-code=${l.code}>
                            <th scope="row">${l.name}</th>
                            <td class="num">${pct(l.meanOccupancyPercent)}</td>
                            <td class="num">${pct(l.peakOccupancyPercent)}</td>
                            <td class="num wide">${l.entries}</td>
                            <td class="num wide">${l.exits}</td>
                            <td class="num">
                              ${
                                l.unknownBuckets
                                  ? t('parking.minutes', { n: l.unknownBuckets * stats!.bucketMinutes })
                                  : '—'
                              }
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
            : html`<p>${t('parking.loading')}</p>`
        }
      </section>`,
      el,
    );
  }

  /** The map, once the lots are known: centred on them, zoomed to hold them all. */
  function openMap() {
    if (map || opening || !lots?.length) return;
    opening = true;
    const lngs = lots.map((l) => l.lng);
    const lats = lots.map((l) => l.lat);
    const spanLng = Math.max(...lngs) - Math.min(...lngs);
    const spanLat = Math.max(...lats) - Math.min(...lats);
    const container = el.querySelector<HTMLElement>('#parking-map')!;
    // At zoom 13 a pixel is ~8 m at Rugao's latitude (MapLibre's 512 px tiles) (a degree ~111 km); a quarter more as margin.
    const fit = (px: number, deg: number) => Math.log2((px * 8) / (Math.max(deg, 0.002) * 111_000 * 1.25));
    const zoom =
      13 + Math.min(fit(container.clientWidth, spanLng * 0.85), fit(container.clientHeight, spanLat));
    void createMap(container, {
      layers: ['roads'],
      center: {
        lng: (Math.max(...lngs) + Math.min(...lngs)) / 2,
        lat: (Math.max(...lats) + Math.min(...lats)) / 2,
      },
      zoom: Math.max(9, Math.min(16, zoom)),
    })
      .then((m) => {
        if (stopped) m.destroy();
        else {
          map = m;
          drawMap();
        }
      })
      .catch((err: unknown) => {
        error = describeError(err);
        draw();
      });
  }

  draw();
  void loadLots();
  void loadStats();

  return () => {
    stopped = true;
    clearTimeout(lotTimer);
    clearTimeout(statsTimer);
    map?.destroy();
  };
};
