/**
 * The panel's requests to the REST API: the token (from the kiosk URL once, then kept), and one
 * `api()` that never throws — every failure comes back as `{ ok: false, code, message }` with a
 * short reason a visitor understands (the technical message goes to the console, and to /tech).
 */

/** The token for the API: `?token=` once (then kept and removed from the address bar), or none. */
export function readToken() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  try {
    if (fromUrl) {
      localStorage.setItem('roomd.token', fromUrl);
      params.delete('token');
      const rest = params.toString();
      history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
      return fromUrl;
    }
    return localStorage.getItem('roomd.token') ?? undefined;
  } catch {
    return fromUrl ?? undefined;
  }
}

/** Device errors are for technicians (logged, and on /tech); visitors get a short reason. */
export function friendlyError(error, t) {
  if (error?.message) console.warn('roomd:', error.code, error.message);
  switch (error?.code) {
    case 'DeviceOffline': case 'DeviceTimeout': case 'Disconnected': case 'Timeout': return t('error.offline');
    case 'Unauthorized': case 'Forbidden': return t('error.denied');
    case 'DeviceError': case 'Unsupported': case 'BadArgs': return t('error.device');
    case 'Network': return t('error.network');
    default: return t('error.other');
  }
}

/** `api(method, path, body?)` bound to a token and a translator. */
export function makeApi(token, t) {
  return async function api(method, path, body) {
    try {
      const response = await fetch(path, {
        method,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) return { ok: false, code: data?.error?.code, message: friendlyError(data?.error, t) };
      return { ok: true, data };
    } catch {
      return { ok: false, code: 'Network', message: t('error.network') };
    }
  };
}
