#!/usr/bin/env node
// The `closeloop` command: runs bin/cli.ts through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
