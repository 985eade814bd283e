import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** A shared role import and the switch that makes later grants to it fail. */
export interface SealableRole {
  /**
   * The shared role, imported immutable: the platform owns its policies, and every service uses
   * it, so nothing a service adds may land on it. Its grant methods throw once sealed.
   */
  readonly role: iam.IRole;
  /** After this, adding a policy to the role throws instead of being silently dropped. */
  seal(): void;
}

/**
 * Imports the platform's shared execution role so that grants to it fail loudly.
 *
 * An immutable imported role drops every statement added to it, so `table.grantReadData(fn)` would
 * synthesize and then fail at run time with AccessDenied; a mutable one would attach the service's
 * policies to a role every other service uses. While the function is being built the statements
 * its L2 adds (X-Ray) are dropped, because the shared role already carries them; after that any
 * grant throws and names the fix.
 */
export function importSharedRole(
  scope: Construct,
  id: string,
  roleArn: string,
  functionPath: string,
): SealableRole {
  const role = iam.Role.fromRoleArn(scope, id, roleArn, { mutable: false });
  let sealed = false;
  const refuse = (): never => {
    throw new Error(
      `${functionPath} uses the platform's shared execution role (role: 'shared'), which carries logs, VPC networking and X-Ray only and cannot take grants: remove \`role: 'shared'\` to give the function its own role, then grant to it`,
    );
  };
  for (const method of [
    'addToPrincipalPolicy',
    'addToPolicy',
    'attachInlinePolicy',
    'addManagedPolicy',
  ] as const) {
    const original = (role as unknown as Record<string, (...args: unknown[]) => unknown>)[method].bind(role);
    Object.defineProperty(role, method, {
      value: (...args: unknown[]) => (sealed ? refuse() : original(...args)),
    });
  }
  return {
    role,
    seal: () => {
      sealed = true;
    },
  };
}
