/** GET through the service worker, telling whether the answer is the saved copy (offline). */
import { api, loadSession } from '../../src/lib/api.ts';

export async function getWithCache<T>(path: string): Promise<{ data: T; cached: boolean }> {
  const session = loadSession();
  const res = await fetch(path, {
    headers: { accept: 'application/json', ...(session ? { authorization: `Bearer ${session.token}` } : {}) },
  });
  // Errors go through api() for the problem document and the 401 handling.
  if (!res.ok) return { data: await api<T>(path), cached: false };
  return { data: (await res.json()) as T, cached: res.headers.get('x-from-cache') === '1' };
}
