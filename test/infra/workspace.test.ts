import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { WIRING } from '../../functions/config/wiring.js';
import { Catalog, Closeloop, type CloseloopProps, propsFromContext } from '../../lib/index.js';
import { DEMO_CATALOG_FILE } from '../fixtures/catalog.js';
import { cleanUpApps, testApp } from './app.js';

afterAll(cleanUpApps);

const catalog = Catalog.fromFile(DEMO_CATALOG_FILE);
const env = { account: '123456789012', region: 'eu-west-1' };
const API_ROUTES = WIRING.workspace.routes.filter((route) => route.auth === 'jwt').flatMap((route) => route.methods.map((method) => `${method} ${route.path}`));

function synth(workspace: CloseloopProps['workspace'], options: { nag?: boolean } = {}) {
  const app = testApp();
  const stack = new Stack(app, 'Shop', { env });
  new Closeloop(stack, 'Feedback', {
    catalog,
    senderEmail: 'a@shop.example',
    supportEmail: 'b@shop.example',
    ...(workspace === undefined ? {} : { workspace }),
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return Template.fromStack(stack);
}

const jwtRoutes = (template: Template) =>
  Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { AuthorizationType: 'JWT' } })).map(
    (route) => route.Properties.RouteKey as string,
  );

describe('the workspace (construct prop `workspace`)', () => {
  it('with `true`: a user pool (invited agents only, COG1 passwords, optional TOTP), one group per team, a PKCE client, the JWT authorizer on every /api route', () => {
    const template = synth(true, { nag: true });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireUppercase: true }) },
    });
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup'))
      .map((group) => group.Properties.GroupName)
      .sort();
    expect(groups).toEqual(['customer-success', 'cx-admin', 'support', 'team-leads']);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      GenerateSecret: false,
      AllowedOAuthScopes: Match.arrayWith(['openid', 'email']),
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: Match.stringLikeRegexp('^shop-[0-9a-f]{8}$'), ManagedLoginVersion: 2 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: Match.anyValue(), Audience: [{ Ref: Match.stringLikeRegexp('WorkspaceClient') }] },
    });
    expect(jwtRoutes(template).sort()).toEqual([...API_ROUTES].sort());
    // The IAM case API is unchanged.
    expect(Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: 'GET /cases' } }))[0]?.Properties.AuthorizationType).toBe(
      'AWS_IAM',
    );
  });

  it('with an outside issuer: its issuer and audience, the groups claim given, and no user pool', () => {
    const template = synth({ issuer: 'https://login.shop.example/realms/cx', audience: ['closeloop-workspace'], groupsClaim: 'groups' });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: 'https://login.shop.example/realms/cx', Audience: ['closeloop-workspace'] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'closeloop-workspace', CLOSELOOP_WORKSPACE_GROUPS_CLAIM: 'groups' }) },
    });
    expect(jwtRoutes(template)).toHaveLength(API_ROUTES.length);
  });

  it('without it: nothing of it (no pool, no authorizer, no /api route, no workspace function)', () => {
    const template = synth(undefined);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    expect(jwtRoutes(template)).toEqual([]);
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'closeloop-workspace' }) } },
      0,
    );
  });

  it('refuses an incomplete or contradictory setting, naming it', () => {
    expect(() => synth({ issuer: 'https://login.shop.example' })).toThrow('workspace.audience: required with workspace.issuer');
    expect(() => synth({ issuer: 'http://login.shop.example', audience: ['x'] })).toThrow(
      'workspace.issuer: "http://login.shop.example" is not an https:// URL',
    );
    expect(() => synth({ domainPrefix: 'my-aws-login' })).toThrow('workspace.domainPrefix: "my-aws-login" is not a Cognito domain prefix');
    expect(() => synth({ issuer: 'https://login.shop.example', audience: ['x'], domainPrefix: 'shop' })).toThrow(
      'workspace.domainPrefix: only for the user pool',
    );
  });

  it('is set from context: closeloop:workspace, or the outside issuer’s keys', () => {
    expect(propsFromContext(testApp({ context: { 'closeloop:workspace': 'true' } })).workspace).toBe(true);
    expect(
      propsFromContext(
        testApp({
          context: {
            'closeloop:workspaceIssuer': 'https://login.shop.example',
            'closeloop:workspaceAudience': 'a, b',
            'closeloop:workspaceGroupsClaim': 'groups',
          },
        }),
      ).workspace,
    ).toEqual({ issuer: 'https://login.shop.example', audience: ['a', 'b'], groupsClaim: 'groups' });
    expect(propsFromContext(testApp({ context: { 'closeloop:workspace': true, 'closeloop:workspaceDomainPrefix': 'shop-cx' } })).workspace).toEqual({
      domainPrefix: 'shop-cx',
    });
    expect(propsFromContext(testApp()).workspace).toBeUndefined();
    expect(() => propsFromContext(testApp({ context: { 'closeloop:workspace': false, 'closeloop:workspaceDomainPrefix': 'x' } }))).toThrow(
      'closeloop:workspace is false but other closeloop:workspace… keys are set',
    );
  });
});
