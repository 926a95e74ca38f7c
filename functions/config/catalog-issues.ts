/**
 * Turns zod issues into messages that name the path, e.g.
 * `programs.0.rules.1.wehn: unknown key (did you mean "when"?)`.
 */

interface Issue {
  readonly code?: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
}

/** The parts of a zod (mini) schema's definition this walk needs. */
interface SchemaDef {
  readonly type: string;
  readonly shape?: Record<string, { _zod: { def: SchemaDef } }>;
  readonly innerType?: { _zod: { def: SchemaDef } };
  readonly element?: { _zod: { def: SchemaDef } };
  readonly valueType?: { _zod: { def: SchemaDef } };
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'readonly', 'nonoptional']);

/** The keys an object schema at `path` accepts (array indexes and record keys are walked through). */
function keysAt(schema: { _zod: { def: SchemaDef } }, path: readonly PropertyKey[]): string[] {
  let def: SchemaDef | undefined = schema._zod.def;
  const unwrap = () => {
    while (def && WRAPPERS.has(def.type) && def.innerType) def = def.innerType._zod.def;
  };
  for (const segment of path) {
    unwrap();
    if (!def) return [];
    if (def.type === 'object') def = def.shape?.[String(segment)]?._zod.def;
    else if (def.type === 'array') def = def.element?._zod.def;
    else if (def.type === 'record') def = def.valueType?._zod.def;
    else return [];
  }
  unwrap();
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

/** Edit distance (optimal string alignment: a swap of two neighbours is one edit), case-insensitive. */
export function editDistance(left: string, right: string): number {
  const a = left.toLowerCase();
  const b = right.toLowerCase();
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The closest known key, if it is close enough to be a typo. */
export function suggest(unknown: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(unknown, key);
    if (!best || distance < best.distance) best = { key, distance };
  }
  const allowed = best && best.key.length <= 3 ? 1 : Math.max(2, Math.floor((best?.key.length ?? 0) / 3));
  return best && best.distance <= allowed ? best.key : undefined;
}

const joinPath = (path: readonly PropertyKey[]) => (path.length ? path.map(String).join('.') : '(root)');

/**
 * One message per problem. An unknown key names its closest known key; a required key that a
 * misspelling stood for is reported once, as the misspelling.
 */
export function describeCatalogIssues(schema: { _zod: { def: SchemaDef } }, issues: readonly Issue[]): string[] {
  const messages: string[] = [];
  const suggested = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = keysAt(schema, issue.path);
    for (const key of issue.keys ?? []) {
      const guess = suggest(key, known);
      if (guess) suggested.add(joinPath([...issue.path, guess]));
      const hint = guess ? ` (did you mean "${guess}"?)` : known.length ? ` (expected one of: ${known.filter((k) => k !== '$schema').join(', ')})` : '';
      messages.push(`${joinPath([...issue.path, key])}: unknown key${hint}`);
    }
  }
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') continue;
    const at = joinPath(issue.path);
    if (suggested.has(at) && issue.code === 'invalid_type' && /received undefined/.test(issue.message)) continue;
    messages.push(`${at}: ${/received undefined/.test(issue.message) ? 'required' : issue.message}`);
  }
  return messages;
}
