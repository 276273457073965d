/**
 * Parts every module uses: the photo field (camera, previews, remove, full-screen preview), the queue
 * state badge, the phone's position, and the outcome line of a queued write.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { tr } from './messages.ts';
import { preparePhoto, PhotoError, type Photo } from './photos.ts';
import type { QueueItem, QueueState } from './queue.ts';

/** A form's photos; `redraw` is called after each change. */
export class PhotoList {
  photos: Photo[] = [];
  error = '';
  preview: Photo | null = null;
  constructor(private readonly redraw: () => void) {}

  async add(files: FileList | null) {
    this.error = '';
    for (const file of Array.from(files ?? [])) {
      try {
        this.photos.push(
          await preparePhoto(file, { notImage: tr('photo.notImage'), tooLarge: tr('photo.tooLarge') }),
        );
      } catch (err) {
        this.error = err instanceof PhotoError ? err.message : String(err);
      }
    }
    this.redraw();
  }

  remove(i: number) {
    const [p] = this.photos.splice(i, 1);
    if (p) URL.revokeObjectURL(p.url);
    this.redraw();
  }

  clear() {
    for (const p of this.photos) URL.revokeObjectURL(p.url);
    this.photos = [];
    this.error = '';
    this.redraw();
  }

  /** The photos as queue files of form field `field`. */
  files(field = 'photos') {
    return this.photos.map((p) => ({ field, name: p.name, blob: p.blob }));
  }

  /** Restores photos of a queued item (editing a failed one). */
  restore(files: { name: string; blob: Blob }[]) {
    this.photos = files
      .filter((f) => f.blob.size > 0)
      .map((f) => ({ blob: f.blob, name: f.name, url: URL.createObjectURL(f.blob) }));
    this.redraw();
  }

  /** The field: a large camera button, the previews (tap to enlarge, × to remove), the error line. */
  field(label: string, name: string, required = false): TemplateResult {
    const id = `ph-${name}`;
    return html`<fieldset class="photos">
      <legend>${label}${required ? html` <span class="req">*</span>` : nothing}</legend>
      <ul class="thumbs">
        ${this.photos.map(
          (p, i) =>
            html`<li>
              <button
                type="button"
                class="thumb"
                aria-label=${tr('photo.preview', { n: i + 1 })}
                @click=${() => {
                  this.preview = p;
                  this.redraw();
                }}
              >
                <img src=${p.url} alt=${tr('photo.preview', { n: i + 1 })} />
              </button>
              <button
                type="button"
                class="remove"
                aria-label=${tr('photo.remove', { n: i + 1 })}
                @click=${() => this.remove(i)}
              >
                ×
              </button>
            </li>`,
        )}
      </ul>
      <label class="button camera" for=${id}>${tr('photo.add')}</label>
      <input
        id=${id}
        class="visually-hidden"
        type="file"
        name=${name}
        accept="image/*"
        capture="environment"
        multiple
        @change=${(e: Event) => {
          const input = e.currentTarget as HTMLInputElement;
          void this.add(input.files).then(() => (input.value = ''));
        }}
      />
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${
        this.preview
          ? html`<div
              class="lightbox"
              role="dialog"
              aria-modal="true"
              aria-label=${tr('photo.preview', { n: '' })}
            >
              <img src=${this.preview.url} alt="" />
              <button
                type="button"
                class="primary big"
                @click=${() => {
                  this.preview = null;
                  this.redraw();
                }}
              >
                ${tr('photo.close')}
              </button>
            </div>`
          : nothing
      }
    </fieldset>`;
  }
}

const STATE_WORD: Record<QueueState, Parameters<typeof tr>[0]> = {
  pending: 'queue.pending',
  sending: 'queue.sending',
  sent: 'queue.sent',
  failed: 'queue.failed',
};

export const stateBadge = (state: QueueState) =>
  html`<span class="qstate ${state}" data-state=${state}>${tr(STATE_WORD[state])}</span>`;

/** What the user is told after a write was queued: sent, waiting, or refused with the reason. */
export function outcome(item: QueueItem): { text: string; kind: 'ok' | 'error' | 'info' } {
  if (item.state === 'sent') return { text: tr('queue.sentOk'), kind: 'ok' };
  if (item.state === 'failed')
    return { text: tr('queue.failedOk', { reason: item.error ?? '' }), kind: 'error' };
  return { text: tr('queue.savedOffline'), kind: 'info' };
}

export interface Position {
  lng: number;
  lat: number;
  accuracy: number;
  at: string;
}

/** One reading of the phone's position (high accuracy), or an error message for the user. */
export function currentPosition(timeoutMs = 15_000): Promise<Position> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) return reject(new Error(tr('geo.unavailable', { message: '—' })));
    navigator.geolocation.getCurrentPosition(
      (p) => resolve(toPosition(p)),
      (err) =>
        reject(
          new Error(
            err.code === err.PERMISSION_DENIED
              ? tr('geo.denied')
              : tr('geo.unavailable', { message: err.message }),
          ),
        ),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 10_000 },
    );
  });
}

export const toPosition = (p: GeolocationPosition): Position => ({
  lng: Math.round(p.coords.longitude * 1e6) / 1e6,
  lat: Math.round(p.coords.latitude * 1e6) / 1e6,
  accuracy: Math.round(p.coords.accuracy * 10) / 10,
  at: new Date(p.timestamp).toISOString(),
});

/** A back link at the top of a sub-screen. */
export const backLink = (hash: string) => html`<a class="back" href=${hash}>‹ ${tr('nav.back')}</a>`;
