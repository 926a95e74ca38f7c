import { Buffer } from 'node:buffer';
import { CfnResource, Validations } from 'aws-cdk-lib';
import { Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag in any setup. Closeloop acknowledges its findings with aws-cdk-lib's `Validations.of(…).acknowledge`,
 * which cdk-nag 3 reads. cdk-nag 2 (an Aspect, still in many apps) reads only CloudFormation metadata
 * `cdk_nag.rules_to_suppress` on each resource: `writeLegacyNagSuppressions` writes every acknowledgement
 * once more in that form, so Closeloop never imports cdk-nag.
 */

/** The Node.js the handlers are built for and the suite runs on (tools/node24): the `runtime` prop's default. */
export const DEFAULT_RUNTIME = Runtime.NODEJS_24_X;

/** Lambda's Node.js major version of `runtime` (`nodejs26.x` → 26), or undefined for another family or a variable name. */
export function nodeMajor(runtime: Runtime): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime.name);
  return runtime.family === RuntimeFamily.NODEJS && match ? Number(match[1]) : undefined;
}

/** The newest Node.js runtime the aws-cdk-lib in use knows (cdk-nag's AwsSolutions-L1 compares with it). */
export function newestNodeRuntime(): Runtime {
  return Runtime.ALL.reduce((newest, candidate) => ((nodeMajor(candidate) ?? 0) > (nodeMajor(newest) ?? 0) ? candidate : newest), DEFAULT_RUNTIME);
}

/**
 * With the default runtime on a library that knows a newer one, the functions stay on the runtime they are
 * tested on: cdk-nag's "latest runtime" rules are acknowledged with the way out. A runtime the adopter sets
 * is theirs to answer for (nothing is acknowledged).
 */
export function acknowledgeDefaultRuntime(fn: IConstruct, runtime: Runtime, isDefault: boolean): void {
  const newest = newestNodeRuntime();
  if (!isDefault || (nodeMajor(newest) ?? 0) <= (nodeMajor(runtime) ?? 0)) return;
  const reason = `Tested on Node.js ${nodeMajor(runtime)} (this aws-cdk-lib also knows ${newest.name}); set the Closeloop prop \`runtime\` to move.`;
  Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason }, { id: 'Serverless-LambdaLatestVersion', reason });
}

/** cdk-nag 2's suppression as it stores it (NagSuppressionHelper.toCfnFormat): a reason beyond Latin-1 goes base64-encoded. */
interface LegacySuppression {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: string[];
  readonly is_reason_encoded?: boolean;
}

const ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

/** `Annotation::AwsSolutions-IAM5[Resource::arn:…]` → rule `AwsSolutions-IAM5`, finding `Resource::arn:…`. */
export function legacySuppression(acknowledged: string, reason: string): LegacySuppression | undefined {
  // aws-cdk-lib records the id with a prefix of its own (`Annotation::`), before any `[finding]`.
  const bracket = acknowledged.indexOf('[');
  const head = bracket === -1 ? acknowledged : acknowledged.slice(0, bracket);
  const prefix = head.lastIndexOf('::');
  const id = prefix === -1 ? acknowledged : acknowledged.slice(prefix + 2);
  const rule = /^([A-Za-z0-9.]+-[A-Za-z0-9]+)(?:\[(.+)\])?$/.exec(id);
  if (!rule?.[1]) return undefined;
  const encoded = [...reason].some((character) => (character.codePointAt(0) ?? 0) > 255);
  return {
    id: rule[1],
    reason: encoded ? Buffer.from(reason).toString('base64') : reason,
    ...(rule[2] ? { applies_to: [rule[2]] } : {}),
    ...(encoded ? { is_reason_encoded: true } : {}),
  };
}

/**
 * Writes every acknowledgement made under `scope` as cdk-nag 2 metadata on each CloudFormation resource
 * it covers (the acknowledging construct and everything below it, as cdk-nag 3 applies it). Call once,
 * when the tree under `scope` is complete.
 */
export function writeLegacyNagSuppressions(scope: IConstruct): void {
  for (const node of scope.node.findAll()) {
    const suppressions = node.node.metadata
      .filter((entry) => entry.type === ACKNOWLEDGED)
      .flatMap((entry) => Object.entries((entry.data ?? {}) as Record<string, string>))
      .flatMap(([id, reason]) => legacySuppression(id, reason) ?? []);
    if (suppressions.length === 0) continue;
    for (const resource of node.node.findAll()) {
      if (!CfnResource.isCfnResource(resource)) continue;
      const existing = ((resource.getMetadata('cdk_nag') as { rules_to_suppress?: LegacySuppression[] } | undefined)?.rules_to_suppress ?? []).map((rule) =>
        JSON.stringify(rule),
      );
      const rules = [...new Set([...existing, ...suppressions.map((rule) => JSON.stringify(rule))])].map((rule) => JSON.parse(rule) as LegacySuppression);
      resource.addMetadata('cdk_nag', { rules_to_suppress: rules });
    }
  }
}
