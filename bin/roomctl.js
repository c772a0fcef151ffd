#!/usr/bin/env node
// The technician CLI (src/cli/roomctl.ts), run from the TypeScript sources like bin/roomd.js.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/roomctl.ts');
