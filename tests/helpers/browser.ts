import { chromium, type Browser, type Page } from 'playwright-core';
import { requireTool } from './tools.ts';

/** Debian's chromium: the tests never download a browser. */
export const CHROMIUM_PATH = process.env.ROOMD_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a headless, quiet browser in a container or CI runner (no sandbox, no GPU, no phoning home). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * True when Debian's `chromium` is installed; otherwise the caller's `describe.skipIf` skips (and
 * under CI=true, `requireTool` throws: CI never goes green by skipping the browser tests).
 */
export function hasChromium(): boolean {
  return requireTool('chromium', 'chromium');
}

/** Launches the system Chromium with playwright-core. Close it in afterAll. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Accessibility problems on the page as it is now: buttons without an accessible name (as
 * Chromium's own accessibility tree computes it), visible targets under 44×44 px, anything wider
 * than the viewport (horizontal scrolling or clipped content), and a keyboard focus with no
 * visible ring. Returns one line per problem; empty when all is well.
 */
export async function a11yProblems(page: Page, minTargetPx = 44): Promise<string[]> {
  const problems: string[] = [];
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: Array<{ ignored: boolean; role?: { value?: string }; name?: { value?: string }; backendDOMNodeId?: number }> };
    for (const node of nodes) {
      if (node.ignored || node.role?.value !== 'button') continue;
      if (!String(node.name?.value ?? '').trim()) problems.push(`a button has no accessible name (backend node ${node.backendDOMNodeId})`);
    }
  } finally {
    await cdp.detach();
  }
  problems.push(...((await page.evaluate(`(${LAYOUT_SCRIPT})(${Number(minTargetPx)})`)) as string[]));
  await page.keyboard.press('Tab');
  // Tabbing past the last control leaves the page; the next Tab comes back to the first one.
  if (await page.evaluate('document.activeElement === document.body || document.activeElement === null')) await page.keyboard.press('Tab');
  const focus = (await page.evaluate(FOCUS_SCRIPT)) as string;
  if (focus) problems.push(focus);
  return problems;
}

/**
 * Text whose contrast with its background is under WCAG AA (4.5:1, or 3:1 for large text).
 * The background is the nearest opaque ancestor's; disabled controls are exempt, as in WCAG.
 */
export async function contrastProblems(page: Page): Promise<string[]> {
  return (await page.evaluate(CONTRAST_SCRIPT)) as string[];
}

// The in-page checks are plain JavaScript source, not compiled functions: a test transpiler's
// helpers (e.g. esbuild's __name with keepNames) must never leak into the page.

const LAYOUT_SCRIPT = `(min) => {
  const out = [];
  const describe = (el) => '<' + el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '> "' + (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40) + '"';
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) out.push('horizontal scroll: page is ' + document.documentElement.scrollWidth + ' px wide for ' + width + ' px');
  for (const el of document.querySelectorAll('body *')) {
    if (!el.checkVisibility() || el.closest('.visually-hidden')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 1 || r.left < -1)) out.push(describe(el) + ' sticks out of the viewport (' + Math.round(r.left) + '..' + Math.round(r.right) + ' px)');
    if (el.matches('button, a[href], input, select, textarea, [role="button"]') && (r.width < min || r.height < min)) {
      out.push(describe(el) + ' is ' + Math.round(r.width) + '×' + Math.round(r.height) + ' px, under ' + min + ' px');
    }
  }
  return out;
}`;

const FOCUS_SCRIPT = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'nothing focusable by keyboard';
  const style = getComputedStyle(el);
  return style.outlineStyle === 'none' || parseFloat(style.outlineWidth) < 2 ? 'keyboard focus on <' + el.tagName.toLowerCase() + '> has no visible ring' : '';
})()`;

const CONTRAST_SCRIPT = `(() => {
  const parse = (c) => {
    const [r = 0, g = 0, b = 0, a = 1] = (c.match(/[\\d.]+/g) ?? []).map(Number);
    return { r, g, b, a: c.startsWith('rgba') ? a : 1 };
  };
  const channel = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a >= 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.checkVisibility() || el.closest(':disabled, .visually-hidden')) continue;
    if (![...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim())) continue;
    const style = getComputedStyle(el);
    const [l1, l2] = [luminance(parse(style.color)), luminance(background(el))].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) out.push('"' + el.textContent.trim().slice(0, 40) + '" has contrast ' + ratio.toFixed(2) + ':1 (' + style.color + ' on its background)');
  }
  return out;
})()`;
