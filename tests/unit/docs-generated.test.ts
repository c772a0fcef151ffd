import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDocs, REPO_ROOT } from '../../src/docs/generate.ts';

/** The committed reference documents are what the code generates now (`npm run docs` refreshes them). */
describe('generated docs', () => {
  it('docs/capabilities.md, configuration.md and openapi.json are up to date (run `npm run docs`)', async () => {
    const docs = await generatedDocs();
    expect(Object.keys(docs).sort()).toEqual(['docs/capabilities.md', 'docs/configuration.md', 'docs/openapi.json']);
    for (const [path, content] of Object.entries(docs)) {
      const committed = readFileSync(join(REPO_ROOT, path), 'utf8');
      expect(committed, `${path} is stale: run \`npm run docs\` and commit it`).toBe(content);
    }
  });

  it('the configuration reference covers every key of the config schema and every driver', async () => {
    const md = (await generatedDocs())['docs/configuration.md']!;
    for (const key of ['room.id', 'http.tokens[].role', 'mqtt.homeAssistant.prefix', 'sessions.sites.<name>.roundTripKm', 'devices.<name>.deadmanMs', 'scenes.meetingStart[].waitFor', 'meeting.nightlyEndAt']) {
      expect(md).toContain(`| \`${key}\` |`);
    }
    for (const driver of ['visca', 'visca-ip', 'onvif', 'cec', 'samsung-mdc', 'baresip', 'cisco-xapi', 'poly-group', 'shure-dcs', 'pulse']) {
      expect(md).toContain(`### \`${driver}\` — `);
    }
  });
});
