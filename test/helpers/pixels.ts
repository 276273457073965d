/**
 * What a browser test's page drew, pixel by pixel: a canvas (the map's WebGL) says nothing else about
 * the colours it shows.
 */
import type { Page } from 'playwright-core';

/** RGBA of a screenshot's pixels, decoded by the browser itself (no image package needed). */
export async function pixels(page: Page, box: { x: number; y: number; width: number; height: number }) {
  const png = (await page.screenshot({ clip: box })).toString('base64');
  return page.evaluate<number[]>(`(async () => {
    // Decoded from text, not fetched from a data: URL (the hub's Content-Security-Policy refuses that).
    const bytes = Uint8Array.from(atob('${png}'), (ch) => ch.charCodeAt(0));
    const img = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const c = new OffscreenCanvas(img.width, img.height).getContext('2d');
    c.drawImage(img, 0, 0);
    return Array.from(c.getImageData(0, 0, img.width, img.height).data);
  })()`);
}

/** The first pixel is within a small distance of the colour [r, g, b]. */
export const near = (rgba: number[], [r, g, b]: number[]) =>
  Math.abs(rgba[0]! - r!) + Math.abs(rgba[1]! - g!) + Math.abs(rgba[2]! - b!) < 40;

/**
 * The box's pixels once `drawn` holds for them, or the last ones taken after `timeout` ms. MapLibre draws
 * a change (a layer ticked off, new data) a frame or more later, and how much later depends on the
 * machine's load: a test waits for the drawing instead of sleeping a fixed time, then asserts on what it
 * got (so a change never drawn still fails).
 */
export async function pixelsWhen(
  page: Page,
  box: { x: number; y: number; width: number; height: number },
  drawn: (rgba: number[]) => boolean,
  timeout = 10_000,
) {
  const until = Date.now() + timeout;
  for (;;) {
    const rgba = await pixels(page, box);
    if (drawn(rgba) || Date.now() > until) return rgba;
    await page.waitForTimeout(100);
  }
}
