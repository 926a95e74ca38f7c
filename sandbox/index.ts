/**
 * closeloop-sandbox: Closeloop on 127.0.0.1, for `npx closeloop sandbox` (cli/sandbox.ts loads it).
 * A package of its own so that an adopter's install of `closeloop` carries no emulator: DynamoDB
 * Local (Amazon's licence, Java), the SES and SQS emulators and the SDK clients the handlers use
 * here. Its build (scripts/build.ts) bundles the sandbox and Closeloop's handlers from source; its
 * dependencies are what that bundle imports, and the build checks they are declared.
 */
export type { RunningSandbox, SandboxInfo, SandboxOptions, SandboxPorts } from './sandbox.js';
export { DEFAULT_PORTS, DELAY_SCALE_VARIABLE, delayScaleFromEnv, PORT_VARIABLES, portsFromEnv, startSandbox } from './sandbox.js';
