/** One page of a list answer; `next_cursor` is the last id shown when more rows follow. */
export type Page<T> = { items: T[]; next_cursor: string | null };

/**
 * Shapes rows a repository fetched with `limit + 1` into a page: the extra row only says that a next
 * page exists, so the cursor is the last row shown.
 */
export function page<R extends { id: string }, V>(rows: R[], limit: number, view: (row: R) => V): Page<V> {
  const items = rows.slice(0, limit);
  return {
    items: items.map(view),
    next_cursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null,
  };
}
