/**
 * Photos from the phone's camera: checked to be images, scaled down in the browser (longest side
 * PHOTO_MAX_SIDE, JPEG) before they are queued, so an upload over a weak network is ~200–400 KB instead
 * of 4–10 MB, and the hub's ATTACHMENT_MAX_BYTES is not hit by a phone's full-size picture.
 */
export const PHOTO_MAX_SIDE = 1600;
export const PHOTO_QUALITY = 0.8;
/** Larger originals are refused before decoding (a phone photo is < 20 MB). */
export const PHOTO_MAX_INPUT_BYTES = 40 * 1024 * 1024;

export class PhotoError extends Error {}

/** A photo ready to queue: the scaled JPEG and a preview URL (revoke it when removed). */
export interface Photo {
  blob: Blob;
  name: string;
  url: string;
}

/**
 * Scales `file` down to a JPEG. Throws PhotoError with a message for the user when the file is not an
 * image (or one the browser cannot read) or is too large to be a photo.
 */
export async function preparePhoto(
  file: File,
  words: { notImage: string; tooLarge: string },
): Promise<Photo> {
  if (file.size > PHOTO_MAX_INPUT_BYTES) throw new PhotoError(words.tooLarge.replace('{name}', file.name));
  if (file.type && !file.type.startsWith('image/'))
    throw new PhotoError(words.notImage.replace('{name}', file.name));
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new PhotoError(words.notImage.replace('{name}', file.name));
  }
  const scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const h = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) =>
    canvas.toBlob(resolve, 'image/jpeg', PHOTO_QUALITY),
  );
  if (!blob) throw new PhotoError(words.notImage.replace('{name}', file.name));
  const name = file.name.replace(/\.[^.]*$/, '') + '.jpg';
  return { blob, name, url: URL.createObjectURL(blob) };
}
