import type { CloudAssembly } from 'aws-cdk-lib/cx-api';

/** One stack of a synthesized assembly, as the synth table shows it. */
export interface StackSummary {
  /** CloudFormation stack name. */
  readonly stackName: string;
  /** Number of resources in the template. */
  readonly resources: number;
  /** Template size in bytes (CloudFormation's limit is 1 MB when uploaded to S3). */
  readonly templateBytes: number;
  /** Whether termination protection is on. */
  readonly terminationProtection: boolean;
  /** SSM parameters the stack publishes: name and type. */
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly type: string }>;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** Summarizes every stack of an assembly: resource counts, template sizes and published parameters. */
export function summarizeAssembly(assembly: CloudAssembly): StackSummary[] {
  return assembly.stacks.map((stack) => {
    const resources = Object.values(
      (stack.template as { Resources?: Record<string, Resource> }).Resources ?? {},
    );
    const parameters = resources
      .filter((r) => r.Type === 'AWS::SSM::Parameter' && typeof r.Properties?.Name === 'string')
      .map((r) => ({ name: r.Properties?.Name as string, type: String(r.Properties?.Type) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return {
      stackName: stack.stackName,
      resources: resources.length,
      templateBytes: Buffer.byteLength(JSON.stringify(stack.template)),
      terminationProtection: stack.terminationProtection ?? false,
      parameters,
    };
  });
}

/** Renders the summary as the plain-text tables `npm run synth` prints. */
export function renderSummary(stacks: readonly StackSummary[], title: string): string {
  const rows = stacks.map((s) => [
    s.stackName,
    String(s.resources),
    `${(s.templateBytes / 1024).toFixed(1)} KiB`,
    String(s.parameters.length),
    s.terminationProtection ? 'yes' : 'no',
  ]);
  const total = stacks.reduce((n, s) => n + s.resources, 0);
  const out = [
    title,
    '',
    table(['Stack', 'Resources', 'Template', 'Published', 'Protected'], rows, [
      false,
      true,
      true,
      true,
      false,
    ]),
  ];
  out.push(`${stacks.length} stacks, ${total} resources.`, '');
  const params = stacks.flatMap((s) => s.parameters.map((p) => [p.name, p.type, s.stackName]));
  out.push(
    'Published contract parameters',
    '',
    table(['Parameter', 'Type', 'Stack'], params, [false, false, false]),
  );
  return out.join('\n');
}

/** A plain-text table: header, dashes, rows; columns padded, right-aligned where asked. */
export function table(header: string[], rows: string[][], rightAlign: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAlign[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''].join('\n');
}
