/** A small hand-drawn SVG line chart (monthly trends): one series, labelled axes, a table-free summary. */
import { html, svg } from 'lit-html';

export interface Point {
  label: string;
  value: number | null;
}

const W = 360;
const H = 180;
const PAD = { l: 44, r: 12, t: 14, b: 30 };

/** `format` renders a value for the axis and the point titles. */
export function lineChart(title: string, points: Point[], format: (v: number) => string) {
  const values = points.map((p) => p.value).filter((v): v is number => v !== null);
  const max = values.length ? Math.max(...values) : 1;
  const min = values.length ? Math.min(0, ...values) : 0;
  const span = max - min || 1;
  const x = (i: number) =>
    PAD.l + (points.length <= 1 ? (W - PAD.l - PAD.r) / 2 : (i * (W - PAD.l - PAD.r)) / (points.length - 1));
  const y = (v: number) => PAD.t + (1 - (v - min) / span) * (H - PAD.t - PAD.b);
  const drawn = points.map((p, i) => ({ ...p, i })).filter((p) => p.value !== null) as (Point & {
    i: number;
    value: number;
  })[];
  const line = drawn.map((p, k) => `${k ? 'L' : 'M'}${x(p.i).toFixed(1)},${y(p.value).toFixed(1)}`).join('');
  const summary = `${title}: ${points.map((p) => `${p.label} ${p.value === null ? '—' : format(p.value)}`).join('，')}`;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${summary}>
      ${svg`<line x1=${PAD.l} y1=${H - PAD.b} x2=${W - PAD.r} y2=${H - PAD.b} stroke="#4b5563" />
      <line x1=${PAD.l} y1=${PAD.t} x2=${PAD.l} y2=${H - PAD.b} stroke="#4b5563" />
      <text x=${PAD.l - 4} y=${y(max) + 4} text-anchor="end" font-size="10" fill="#1b1f24">${format(max)}</text>
      <text x=${PAD.l - 4} y=${y(min) + 4} text-anchor="end" font-size="10" fill="#1b1f24">${format(min)}</text>
      ${points.map((p, i) => svg`<text x=${x(i)} y=${H - 10} text-anchor="middle" font-size="10" fill="#1b1f24">${p.label}</text>`)}
      <path d=${line} fill="none" stroke="#0b57a4" stroke-width="2" />
      ${drawn.map((p) => svg`<circle cx=${x(p.i)} cy=${y(p.value)} r="3.5" fill="#0b57a4"><title>${p.label}: ${format(p.value)}</title></circle>`)}`}
    </svg>
  </figure>`;
}
