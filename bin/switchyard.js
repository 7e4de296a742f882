#!/usr/bin/env -S node --no-node-snapshot
// isolated-vm needs --no-node-snapshot on Node 20 (see the shebang). tsx runs the TypeScript sources as they are.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
