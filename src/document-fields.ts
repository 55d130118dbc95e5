import { Kind, type DirectiveNode, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionNode } from 'graphql';

/** A document's fragments by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
}

/** A field of a selection set, with the `@skip`/`@include` on it and on the fragments around it. */
export interface FieldInPlace {
  field: FieldNode;
  conditions: readonly DirectiveNode[];
}

/**
 * The fields a selection set holds, with its fragments (spread or inline) opened in place, as the
 * page-cost and lookup limits count them. Validation refuses fragment cycles before execution; the
 * guard against them only keeps this total.
 */
export function fieldsIn(
  selections: readonly SelectionNode[],
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  around: readonly DirectiveNode[] = [],
  opening: ReadonlySet<string> = new Set(),
): FieldInPlace[] {
  return selections.flatMap((s) => {
    const conditions = s.directives?.length ? [...around, ...s.directives.filter((d) => d.name.value === 'skip' || d.name.value === 'include')] : around;
    if (s.kind === Kind.FIELD) return [{ field: s, conditions }];
    if (s.kind === Kind.INLINE_FRAGMENT) return fieldsIn(s.selectionSet.selections, fragments, conditions, opening);
    const fragment = fragments.get(s.name.value);
    if (!fragment || opening.has(s.name.value)) return [];
    return fieldsIn(fragment.selectionSet.selections, fragments, conditions, new Set([...opening, s.name.value]));
  });
}
