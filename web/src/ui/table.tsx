import type { ReactNode } from 'react';

/** The header of a column of buttons: named for screen readers, blank on screen. */
export const ACTIONS = <span className="visually-hidden">Actions</span>;

/** A table with its header row; the rows come as children. */
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
  );
}
