#!/usr/bin/env node
// The room daemon (src/main.ts); see bin/launch.js for which code it runs.
import { setFlagsFromString } from 'node:v8';
import { launch } from './launch.js';

// Before any of roomd's modules is loaded: keep V8's young generation at its initial size (1 MiB
// per semi-space) instead of letting start-up — hundreds of modules, every schema compiled — grow it
// to 16 MiB per semi-space, which then stays resident for the life of an idle daemon (bench/README.md).
// A daemon allocates little once started; the price is more frequent, shorter scavenges. A
// `--max-semi-space-size` given to node (command line or NODE_OPTIONS) wins.
const semiSpaceGiven = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => /semi[-_]space/.test(arg));
if (!semiSpaceGiven) setFlagsFromString('--semi-space-growth-factor=1');

await launch('main');
