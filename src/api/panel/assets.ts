import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The panel's static files: plain HTML, CSS and ES modules served as they are (no build step). */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
};

/** One file, read once at start-up, with its validator. */
export interface Asset {
  name: string;
  type: string;
  body: Buffer;
  etag: string;
}

/**
 * Reads every file of `dir` (not recursive) into memory. The panel is a handful of small files,
 * so serving from memory keeps a request off the disk and makes the set of servable names fixed:
 * no path from a URL ever reaches the file system.
 */
export function loadAssets(dir: string = PUBLIC_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type || !statSync(join(dir, name)).isFile()) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { name, type, body, etag });
  }
  return assets;
}

/** An HTML page with `{{key}}` placeholders filled in (values are HTML-escaped). */
export function fillTemplate(html: string, values: Record<string, string>): string {
  return html.replace(/\{\{(\w+)\}\}/g, (_m, key: string) => escapeHtml(values[key] ?? ''));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
