export {};

/**
 * The `closeloop` executable. The AWS SDK's Node-version notice is for library authors, not this
 * command's users: it is turned off before any SDK module loads, hence the dynamic import.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { runCli } = await import('./closeloop.js');
await runCli(process.argv.slice(2));
