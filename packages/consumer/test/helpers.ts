import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as cxapi from 'aws-cdk-lib/cx-api';

/** A handler file that exists (NodejsFunction checks), for every test function. */
export const HANDLER = path.join(__dirname, 'fixtures', 'handler.ts');

/** An app that skips esbuild bundling and CDK's template validation (seconds per synth). */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
}

/** The template of `stack` from a synthesized app. */
export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack, { skipCyclicalDependenciesCheck: false });
}

/** The stack artifact of `stack` (synthesizes the app once). */
export function artifactOf(assembly: cxapi.CloudAssembly, stack: Stack): cxapi.CloudFormationStackArtifact {
  return assembly.getStackByName(stack.stackName);
}

/** Reads the resolved `Ref` of the SSM-backed parameter for `path` from a template. */
export function parameterRef(template: Template, ssmPath: string): { Ref: string } {
  const found = Object.entries(template.toJSON().Parameters ?? {}).find(
    ([, p]) => (p as { Default?: string }).Default === ssmPath,
  );
  if (!found) throw new Error(`no template parameter reads ${ssmPath}`);
  return { Ref: found[0] };
}
