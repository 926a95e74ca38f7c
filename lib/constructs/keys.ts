import { Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * A key the stack generates in Secrets Manager (64 letters and digits: about 380 bits, more than
 * HMAC-SHA256 uses), never in the template. Not rotated automatically: `whyNoRotation` says why a
 * rotation Lambda would cost more than it protects (cdk-nag's AwsSolutions-SMG4, acknowledged).
 */
export function generatedKey(scope: Construct, id: string, description: string, whyNoRotation: string): Secret {
  const key = new Secret(scope, id, { description, generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false } });
  Validations.of(key).acknowledge({ id: 'AwsSolutions-SMG4', reason: whyNoRotation });
  return key;
}
