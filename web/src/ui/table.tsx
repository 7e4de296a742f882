import type { ReactNode } from 'react';

/** The header of a column of buttons: named for screen readers, blank on screen. */
export const ACTIONS = <span className="visually-hidden">Actions</span>;

/**
 * A table with its header row; the rows come as children. It scrolls sideways inside its own box so that a
 * wide table never widens the page on a laptop screen.
 */
export function Table({
  headers,
  className,
  children,
}: {
  headers: readonly ReactNode[];
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className="table-scroll">
      <table className={className}>
        <thead>
          <tr>
            {headers.map((header, i) => (
              <th key={i}>{header}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
