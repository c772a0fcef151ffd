/** Small DOM helpers: the panel updates a fixed page in place rather than re-creating it. */

export const $ = (id) => document.getElementById(id);

/** Creates an element: `h('button', { class: 'btn', 'aria-pressed': 'true', onclick }, 'text', child)`. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Sets text only when it changed, so live regions announce real changes only. */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

export function setHidden(el, hidden) {
  if (el && el.hidden !== hidden) el.hidden = hidden;
}

export function setAttr(el, name, value) {
  if (!el) return;
  if (value === undefined || value === null || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== String(value)) el.setAttribute(name, String(value));
}

/**
 * Rebuilds a container's children only when `signature` changed, and puts the focus back on the
 * child with the same `data-key` so a keyboard user does not lose their place.
 */
export function renderList(container, signature, build) {
  if (!container || container.dataset.signature === signature) return false;
  const focusedKey = container.contains(document.activeElement) ? document.activeElement?.dataset?.key : undefined;
  // A view's list may hold `cond ? el : null`: such holes are left out, never printed as "null".
  container.replaceChildren(...build().flat().filter((child) => child !== undefined && child !== null && child !== false));
  container.dataset.signature = signature;
  if (focusedKey !== undefined) container.querySelector(`[data-key="${CSS.escape(focusedKey)}"]`)?.focus({ preventScroll: true });
  return true;
}
