import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AdvancedSecurityMode,
  CfnManagedLoginBranding,
  CfnUserPoolGroup,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { adminTeamOf, teamsOf } from '../../functions/domain/teams.js';
import type { ResolvedWorkspace } from '../props.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface WorkspaceProps {
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  readonly api: HttpApi;
  readonly bus: IEventBus;
  /** The inbox cursors' key (the case API's). */
  readonly cursorKey: ISecret;
  /** Where the workspace's pages are: the app client's callback and sign-out URLs. */
  readonly publicBaseUrl: string;
  readonly settings: ResolvedWorkspace;
}

/**
 * The support agents' workspace (issue 26): its API routes under /api behind the HTTP API's JWT
 * authorizer, served by the workspace stage with the same use cases as the IAM case API, scoped to the
 * member's teams. The identity provider is a Cognito user pool the construct creates (managed login,
 * authorization code with PKCE, one group per team) or an outside OpenID Connect issuer.
 */
export class Workspace extends Construct {
  readonly function: StageFunction<'workspace'>;
  readonly authorizer: HttpJwtAuthorizer;
  /** The user pool, when the construct made one (`workspace: true`). */
  readonly userPool?: UserPool;
  readonly client?: UserPoolClient;

  constructor(scope: Construct, id: string, props: WorkspaceProps) {
    super(scope, id);
    const { settings } = props;
    let issuer: string;
    let audience: string[];
    let loginOrigin: string | undefined;
    if (settings.issuer !== undefined) {
      issuer = settings.issuer;
      audience = [...settings.audience];
    } else {
      const pool = new UserPool(this, 'Agents', {
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        autoVerify: { email: true },
        // cdk-nag COG1: at least 8 characters with upper and lower case, digits and symbols.
        passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
        mfa: Mfa.OPTIONAL,
        mfaSecondFactor: { otp: true, sms: false },
        featurePlan: FeaturePlan.ESSENTIALS,
        advancedSecurityMode: AdvancedSecurityMode.OFF,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.userPool = pool;
      Validations.of(pool).acknowledge(
        {
          id: 'AwsSolutions-COG2',
          reason:
            'MFA is optional (TOTP; no SMS): agents may turn it on, and an adopter who requires it sets it on the pool. Required MFA would block the first sign-in of every invited agent without an authenticator app.',
        },
        {
          id: 'AwsSolutions-COG3',
          reason:
            'Threat protection needs the Plus plan, priced above Essentials per monthly active user; off by default (docs/security.md). Self sign-up is off: only invited agents have accounts.',
        },
        {
          id: 'AwsSolutions-COG8',
          reason:
            'Essentials, not Plus: managed login and the groups claim need no more; Plus adds threat protection at a higher price per monthly active user (docs/security.md). Self sign-up is off: only invited agents have accounts.',
        },
      );
      pool.addDomain('LoginDomain', { cognitoDomain: { domainPrefix: settings.domainPrefix }, managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN });
      const pages = `${props.publicBaseUrl}/inbox`;
      const client = pool.addClient('WorkspaceClient', {
        generateSecret: false,
        preventUserExistenceErrors: true,
        authFlows: { userSrp: true },
        oAuth: {
          flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
          scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
          callbackUrls: [pages],
          logoutUrls: [pages],
        },
        idTokenValidity: Duration.hours(1),
        accessTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.hours(12),
      });
      this.client = client;
      new CfnManagedLoginBranding(this, 'LoginBranding', { userPoolId: pool.userPoolId, clientId: client.userPoolClientId, useCognitoProvidedValues: true });
      // One group per team, and the admin team's: membership is the groups claim.
      const teams = [...new Set([...Object.keys(teamsOf(props.defaults.catalog)), adminTeamOf(props.defaults.catalog)])];
      teams.forEach((team, index) => {
        new CfnUserPoolGroup(this, `Team${index}`, { userPoolId: pool.userPoolId, groupName: team, description: `Closeloop team ${team}` });
      });
      issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${pool.userPoolId}`;
      loginOrigin = `https://${settings.domainPrefix}.auth.${Stack.of(this).region}.amazoncognito.com`;
      audience = [client.userPoolClientId];
      new CfnOutput(this, 'UserPoolId', { value: pool.userPoolId, description: "The workspace's agents (add each to their team's group)" });
      new CfnOutput(this, 'ClientId', { value: client.userPoolClientId, description: "The workspace's app client (authorization code with PKCE)" });
      new CfnOutput(this, 'LoginDomain', {
        value: loginOrigin,
        description: "The workspace's managed login",
      });
    }
    this.authorizer = new HttpJwtAuthorizer('WorkspaceAuthorizer', issuer, { jwtAudience: audience, authorizerName: 'workspace' });
    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'workspace',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        INBOX_CURSOR_SECRET: props.cursorKey.secretArn,
        WORKSPACE_GROUPS_CLAIM: settings.groupsClaim,
        WORKSPACE_ISSUER: issuer,
        // The pages sign in as the first audience (the workspace's client).
        WORKSPACE_CLIENT_ID: audience[0] ?? '',
        ...(loginOrigin ? { WORKSPACE_LOGIN_ORIGIN: loginOrigin } : {}),
      },
    });
    props.cursorKey.grantRead(this.function);
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously by the HTTP API only: the browser gets the error; there is no asynchronous event to keep.',
    });
    this.function.publishTo(props.bus);
    this.function.serveRoutes(props.api, 'Workspace', { jwt: this.authorizer });
  }
}
