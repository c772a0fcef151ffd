/** localStorage / sessionStorage that never throw (a kiosk in private mode, storage disabled or full). */

export function stored(storage, key) {
  try {
    return storage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

export function store(storage, key, value) {
  try {
    storage.setItem(key, value);
  } catch {}
}
