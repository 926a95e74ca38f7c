import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { catalog } from '../functions/config/catalog.js';
import { CloseloopStack } from '../lib/closeloop-stack.js';

const app = new App();
new CloseloopStack(app, 'Closeloop', { catalog, description: 'Closeloop: closed-loop customer feedback (surveys, responses, follow-ups)' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
