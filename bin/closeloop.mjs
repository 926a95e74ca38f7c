#!/usr/bin/env node
// The `closeloop` command: runs bin/cli.ts through tsx's loader.
import { register } from 'tsx/esm/api';

// Before any AWS SDK module loads: its Node-version notice is for library authors, not for this command's users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('./cli.ts');
