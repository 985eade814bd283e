import { App, Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { describe, expect, it } from 'vitest';
import { renderSummary, summarizeAssembly } from '../lib/assembly-summary';

function assembly() {
  const app = new App({ builtinCloudFormationValidation: false });
  const a = new Stack(app, 'A', { stackName: 'proj-dev-a', terminationProtection: true });
  new ssm.StringParameter(a, 'P1', { parameterName: '/proj/dev/a/one', stringValue: 'x' });
  new ssm.StringListParameter(a, 'P2', { parameterName: '/proj/dev/a/two', stringListValue: ['x', 'y'] });
  const b = new Stack(app, 'B', { stackName: 'proj-dev-b' });
  new ssm.StringParameter(b, 'P3', { parameterName: '/proj/dev/b/three', stringValue: 'x' });
  new ssm.StringParameter(b, 'P4', { stringValue: 'unnamed' });
  return app.synth();
}

describe('synth summary', () => {
  it('counts resources and lists named parameters per stack', () => {
    const [a, b] = summarizeAssembly(assembly());
    expect(a).toMatchObject({ stackName: 'proj-dev-a', resources: 2, terminationProtection: true });
    expect(a.parameters).toEqual([
      { name: '/proj/dev/a/one', type: 'String' },
      { name: '/proj/dev/a/two', type: 'StringList' },
    ]);
    // A parameter CloudFormation names itself is not part of any contract.
    expect(b).toMatchObject({ stackName: 'proj-dev-b', resources: 2, terminationProtection: false });
    expect(b.parameters).toEqual([{ name: '/proj/dev/b/three', type: 'String' }]);
    expect(a.templateBytes).toBeGreaterThan(100);
  });

  it('renders a stack table with totals and a parameter table', () => {
    const text = renderSummary(summarizeAssembly(assembly()), 'Title');
    const lines = text.split('\n');
    expect(lines[0]).toBe('Title');
    expect(lines.find((l) => l.startsWith('proj-dev-a'))).toMatch(/^proj-dev-a\s+2\s+[\d.]+ KiB\s+2\s+yes$/);
    expect(text).toContain('2 stacks, 4 resources.');
    expect(lines.find((l) => l.startsWith('/proj/dev/a/two'))).toMatch(/StringList\s+proj-dev-a$/);
  });
});
