/** A table's header row; a column written `#name` is numeric (right-aligned). */
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) =>
          c.startsWith('#') ? (
            <th key={i} class="num">
              {c.slice(1)}
            </th>
          ) : (
            <th key={i}>{c}</th>
          ),
        )}
      </tr>
    </thead>
  );
}
