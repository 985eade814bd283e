/**
 * A small, independent model of what CloudWatch Logs does to an access log line: the log group's
 * transformer (the processors the platform uses) and the JSON metric filter patterns (the subset the
 * platform writes), so the synthesized filters can be run on literal lines. Written from the
 * CloudWatch Logs documentation, not from the platform's code:
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (JSON log events)
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatch-Logs-Transformation-Processors.html
 *
 * Semantics modelled (and what is assumed where the documentation is silent):
 * - `{ $.a = "x*" }` string equality, `*` matching any run of characters; `$.a = *` the field exists;
 * - `!=`, and `=`, `>=`, `<=`, `>`, `<` against a number: numeric comparison, true only when the
 *   field holds a JSON number (a string such as `"-"` never compares; assumed);
 * - `&&` binds tighter than `||`; parentheses group;
 * - a missing field makes its comparison false, `!=` included (assumed);
 * - parseJSON: the line's keys at the root; copyValue: copies; substituteString: Java
 *   `replaceAll` (every match, `$1` the first group); typeConverter integer: a string of digits
 *   becomes a number, anything else is left as it is (assumed).
 */

/** A parsed (and transformed) log event. */
export type LogEvent = Record<string, unknown>;

/** One processor of an `AWS::Logs::Transformer`'s `TransformerConfig`, as in the template. */
export type Processor = Record<string, unknown>;

/** Runs a transformer's processors, as synthesized, on one raw log line. */
export function transform(line: string, processors: readonly Processor[]): LogEvent {
  let event: LogEvent = {};
  for (const p of processors) {
    if ('ParseJSON' in p) event = { ...event, ...(JSON.parse(line) as LogEvent) };
    else if ('CopyValue' in p) {
      for (const e of (p.CopyValue as { Entries: Array<{ Source: string; Target: string }> }).Entries) {
        if (e.Source in event) event[e.Target] = event[e.Source];
      }
    } else if ('SubstituteString' in p) {
      for (const e of (p.SubstituteString as { Entries: Array<{ Source: string; From: string; To: string }> })
        .Entries) {
        const value = event[e.Source];
        if (typeof value === 'string') event[e.Source] = value.replace(new RegExp(e.From, 'g'), e.To);
      }
    } else if ('TypeConverter' in p) {
      for (const e of (p.TypeConverter as { Entries: Array<{ Key: string; Type: string }> }).Entries) {
        const value = event[e.Key];
        if (e.Type !== 'integer') throw new Error(`type ${e.Type} is not modelled`);
        if (typeof value === 'string' && /^-?\d+$/.test(value)) event[e.Key] = Number(value);
      }
    } else {
      throw new Error(`processor ${Object.keys(p).join(',')} is not modelled`);
    }
  }
  return event;
}

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'cmp'; field: string; op: string; value: { str: string } | { num: number } | { any: true } };

/** True when `pattern` (a JSON filter pattern, `{ ... }`) matches `event`. */
export function matches(pattern: string, event: LogEvent): boolean {
  return evaluate(parse(pattern), event);
}

/** The datapoint one metric filter publishes for `event`, or undefined when it does not match. */
export function extract(
  filter: { pattern: string; metricValue: string; dimensions?: Record<string, string> },
  event: LogEvent,
): { value: number; dimensions: Record<string, unknown> } | undefined {
  if (!matches(filter.pattern, event)) return undefined;
  const value = filter.metricValue.startsWith('$.')
    ? event[filter.metricValue.slice(2)]
    : Number(filter.metricValue);
  if (typeof value !== 'number') return undefined;
  const dimensions: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(filter.dimensions ?? {}))
    dimensions[name] = event[field.slice(2)];
  return { value, dimensions };
}

function parse(pattern: string): Node {
  const text = pattern.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) throw new Error(`not a JSON filter pattern: ${pattern}`);
  const tokens =
    text.slice(1, -1).match(/\(|\)|&&|\|\||"(?:[^"\\]|\\.)*"|!=|>=|<=|=|>|<|[^\s()=!<>&|"]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++] as string;
  const or = (): Node => {
    let left = and();
    while (peek() === '||') {
      next();
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): Node => {
    let left = term();
    while (peek() === '&&') {
      next();
      left = { kind: 'and', left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    if (peek() === '(') {
      next();
      const inner = or();
      if (next() !== ')') throw new Error(`unbalanced parentheses in ${pattern}`);
      return inner;
    }
    const field = next();
    if (!field.startsWith('$.')) throw new Error(`expected a $.field in ${pattern}, got ${field}`);
    const op = next();
    const raw = next();
    const value =
      raw === '*'
        ? { any: true as const }
        : raw.startsWith('"')
          ? { str: raw.slice(1, -1) }
          : { num: Number(raw) };
    if ('num' in value && Number.isNaN(value.num)) throw new Error(`not a value: ${raw} in ${pattern}`);
    return { kind: 'cmp', field: field.slice(2), op, value };
  };
  const node = or();
  if (i !== tokens.length) throw new Error(`unparsed input in ${pattern}: ${tokens.slice(i).join(' ')}`);
  return node;
}

function evaluate(node: Node, event: LogEvent): boolean {
  if (node.kind === 'and') return evaluate(node.left, event) && evaluate(node.right, event);
  if (node.kind === 'or') return evaluate(node.left, event) || evaluate(node.right, event);
  return compare(node as Extract<Node, { kind: 'cmp' }>, event);
}

function compare(node: Extract<Node, { kind: 'cmp' }>, event: LogEvent): boolean {
  if (!(node.field in event)) return false;
  const actual = event[node.field];
  const { op, value } = node;
  if ('any' in value) return op === '=';
  if ('str' in value) {
    if (typeof actual !== 'string') return false;
    const regex = new RegExp(`^${value.str.split('*').map(escapeRegex).join('.*')}$`);
    if (op === '=') return regex.test(actual);
    if (op === '!=') return !regex.test(actual);
    throw new Error(`operator ${op} on a string is not modelled`);
  }
  if (typeof actual !== 'number') return false;
  switch (op) {
    case '=':
      return actual === value.num;
    case '!=':
      return actual !== value.num;
    case '>=':
      return actual >= value.num;
    case '<=':
      return actual <= value.num;
    case '>':
      return actual > value.num;
    case '<':
      return actual < value.num;
    default:
      throw new Error(`operator ${op} is not modelled`);
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
