import CREATE_ONLY from './create-only-properties.json';

/**
 * Properties whose change makes CloudFormation replace a resource (create a new one, repoint
 * whatever references it, then delete the old one in the cleanup phase), by resource type: the
 * `createOnlyProperties` of AWS's CloudFormation registry schemas, as the registry lists them
 * (`Name` or a nested `Parent/Child`). `create-only-properties.json` names the schema source and
 * commit it was extracted from; `scripts/extract-create-only.ts` refreshes it.
 */
export const CREATE_ONLY_PROPERTIES: Readonly<Record<string, readonly string[]>> =
  CREATE_ONLY.createOnlyProperties;

/** What a deploy of `after` over a stack deployed from `before` does to one resource. */
export interface ResourceChange {
  readonly logicalId: string;
  readonly type: string;
  /**
   * - `add`: created; `remove`: deleted (in the cleanup phase, after everything new exists);
   * - `replace`: a new physical resource is created and the old one deleted in the cleanup phase;
   * - `update`: changed in place.
   */
  readonly action: 'add' | 'remove' | 'replace' | 'update';
  /**
   * For `replace`, each create-only property that changes, as `Name`, or `Name (X is replaced)`
   * when its text is the same but it references a resource that is replaced; for `update`, the
   * properties that change.
   */
  readonly properties: readonly string[];
}

/** The result of {@link compareTemplates}. */
export interface TemplateComparison {
  /** Every resource that changes, sorted by logical id. */
  readonly changes: readonly ResourceChange[];
  /**
   * Types that change but have no entry in the create-only table: their changes are reported as
   * updates, which may be wrong. Extend the table (see create-only-properties.json) when one appears.
   */
  readonly unknownTypes: readonly string[];
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

type Template = { readonly Resources?: Record<string, Resource> };

/**
 * Which resources a deploy of `after` over a stack deployed from `before` adds, removes, replaces
 * or updates, from the two templates alone, the way CloudFormation decides it: a resource whose
 * logical id disappears is removed (and one that appears is added: a renamed construct id is a
 * remove and an add); a resource whose type changes, or whose create-only property changes, is
 * replaced (a custom resource never is by CloudFormation itself). A replaced resource gets a new physical id, so every `Ref` or `Fn::GetAtt` to it changes
 * value at deploy time although the template text does not: a create-only property holding such a
 * reference replaces its resource too (repeated until nothing more changes), and any other property
 * holding one is an update.
 */
export function compareTemplates(
  before: Template,
  after: Template,
  createOnly: Readonly<Record<string, readonly string[]>> = CREATE_ONLY_PROPERTIES,
): TemplateComparison {
  const old = before.Resources ?? {};
  const next = after.Resources ?? {};
  const changes = new Map<string, ResourceChange>();
  const unknownTypes = new Set<string>();
  for (const [id, r] of Object.entries(old)) {
    if (!(id in next)) changes.set(id, { logicalId: id, type: r.Type, action: 'remove', properties: [] });
  }
  for (const [id, r] of Object.entries(next)) {
    if (!(id in old)) changes.set(id, { logicalId: id, type: r.Type, action: 'add', properties: [] });
  }
  // Resources whose physical id will not survive the deploy: references to them change value.
  const gone = () =>
    new Set(
      [...changes.values()]
        .filter((c) => c.action !== 'update' && c.action !== 'add')
        .map((c) => c.logicalId),
    );

  let settled = false;
  while (!settled) {
    settled = true;
    const moved = gone();
    for (const [id, r] of Object.entries(next)) {
      const previous = old[id];
      if (!previous || changes.get(id)?.action === 'replace') continue;
      if (previous.Type !== r.Type) {
        changes.set(id, { logicalId: id, type: r.Type, action: 'replace', properties: ['Type'] });
        settled = false;
        continue;
      }
      // A custom resource has no schema: CloudFormation updates it, and only its handler can make
      // that a replacement (by answering with a new physical id), which no template shows.
      const table = isCustomResource(r.Type) ? [] : createOnly[r.Type];
      const changed = changedProperties(previous.Properties ?? {}, r.Properties ?? {}, moved);
      if (changed.length === 0) continue;
      if (!table) unknownTypes.add(r.Type);
      const replacing = (table ?? []).flatMap((path) => {
        const top = path.split('/')[0];
        const hit = changed.find((c) => c.name === top);
        if (!hit) return [];
        if (path.includes('/') && !hit.via && same(at(previous.Properties, path), at(r.Properties, path))) {
          return [];
        }
        return [hit.via ? `${path} (${hit.via} is replaced)` : path];
      });
      if (replacing.length > 0) {
        changes.set(id, { logicalId: id, type: r.Type, action: 'replace', properties: replacing });
        settled = false;
      } else {
        changes.set(id, {
          logicalId: id,
          type: r.Type,
          action: 'update',
          properties: changed.map((c) => (c.via ? `${c.name} (${c.via} is replaced)` : c.name)),
        });
      }
    }
  }
  return {
    changes: [...changes.values()].sort((a, b) => a.logicalId.localeCompare(b.logicalId)),
    unknownTypes: [...unknownTypes].sort(),
  };
}

/**
 * Top-level properties that differ, or that reference a resource in `moved` (named in `via`); a
 * property that differs in text is reported without `via`.
 */
function changedProperties(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  moved: ReadonlySet<string>,
): Array<{ name: string; via?: string }> {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: Array<{ name: string; via?: string }> = [];
  for (const name of names) {
    if (!same(before[name], after[name])) {
      out.push({ name });
      continue;
    }
    const via = references(after[name]).find((ref) => moved.has(ref));
    if (via) out.push({ name, via });
  }
  return out;
}

/** Logical ids a value references with `Ref` or `Fn::GetAtt`, at any depth. */
function references(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(references);
  if (typeof value !== 'object' || value === null) return [];
  const o = value as Record<string, unknown>;
  if (typeof o.Ref === 'string') return [o.Ref];
  if (Array.isArray(o['Fn::GetAtt'])) return [String(o['Fn::GetAtt'][0])];
  if (typeof o['Fn::GetAtt'] === 'string') return [o['Fn::GetAtt'].split('.')[0]];
  return Object.values(o).flatMap(references);
}

function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

function at(properties: Record<string, unknown> | undefined, path: string): unknown {
  let v: unknown = properties;
  for (const key of path.split('/')) v = (v as Record<string, unknown> | undefined)?.[key];
  return v;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
