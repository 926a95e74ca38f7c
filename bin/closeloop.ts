import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadCatalogFile, resolveCatalogPath } from '../functions/config/catalog-file.js';
import { CloseloopStack } from '../lib/closeloop-stack.js';

const app = new App();
// The catalog: -c closeloop:catalog=<file>, else CLOSELOOP_CATALOG, else the nearest closeloop.yaml.
const catalog = loadCatalogFile(resolveCatalogPath({ flag: app.node.tryGetContext('closeloop:catalog') as string | undefined }));
new CloseloopStack(app, 'Closeloop', { catalog, description: 'Closeloop: closed-loop customer feedback (surveys, responses, follow-ups)' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
