/** GET through the service worker, telling whether the answer is the saved copy (offline). */
import {
  loadSession,
  request,
  withQuery,
  type ApiGet,
  type ApiPath,
  type ApiQuery,
} from '../../src/lib/api.ts';

export async function getWithCache<P extends ApiPath>(
  route: P,
  query?: ApiQuery<P>,
): Promise<{ data: ApiGet<P>; cached: boolean }> {
  const path = withQuery(route, query);
  const session = loadSession();
  const res = await fetch(path, {
    headers: { accept: 'application/json', ...(session ? { authorization: `Bearer ${session.token}` } : {}) },
  });
  // Errors go through api() for the problem document and the 401 handling.
  if (!res.ok) return { data: (await request(path)) as ApiGet<P>, cached: false };
  return { data: (await res.json()) as ApiGet<P>, cached: res.headers.get('x-from-cache') === '1' };
}
