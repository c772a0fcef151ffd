#!/usr/bin/env node
// The technician CLI (src/cli/roomctl.ts); see bin/launch.js for which code it runs.
import { launch } from './launch.js';

await launch('cli/roomctl');
