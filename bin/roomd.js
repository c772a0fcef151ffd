#!/usr/bin/env node
// The room daemon (src/main.ts); see bin/launch.js for which code it runs.
import { launch } from './launch.js';

await launch('main');
