/**
 * This repository's own CDK app: one stack with one Closeloop, its settings from CDK context
 * (`-c closeloop:<prop>=value`), the catalog from `-c closeloop:catalog=<file>`, CLOSELOOP_CATALOG or
 * the nearest closeloop.yaml. An adopter's app looks the same, with `closeloop` as the import.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { Catalog, Closeloop, CONTEXT_KEYS, propsFromContext } from '../lib/index.js';

const app = new App();
const stack = new Stack(app, 'Closeloop', { description: 'Closeloop: closed-loop customer feedback (surveys, responses, follow-ups)' });
const catalog = Catalog.fromFile(app.node.tryGetContext(CONTEXT_KEYS.catalog) as string | undefined);
new Closeloop(stack, 'Closeloop', { catalog, ...propsFromContext(app) });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
