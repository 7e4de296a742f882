import { type FormEvent, type ReactNode, useId } from 'react';

/** A modal dialog over the page, labelled by its title; with `onSubmit` it is a form (Enter submits). */
export function Dialog({
  title,
  onSubmit,
  wide = false,
  children,
}: {
  title: ReactNode;
  onSubmit?: () => void;
  /** Most of the screen's width, for side-by-side content such as a diff. */
  wide?: boolean;
  children: ReactNode;
}) {
  const titleId = useId();
  const content = (
    <>
      <h2 id={titleId}>{title}</h2>
      {children}
    </>
  );
  const props = {
    role: 'dialog',
    'aria-modal': true,
    'aria-labelledby': titleId,
    className: wide ? 'dialog wide' : 'dialog',
  } as const;
  return (
    <div className="dialog-backdrop">
      {onSubmit ? (
        <form
          {...props}
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            onSubmit();
          }}
        >
          {content}
        </form>
      ) : (
        <div {...props}>{content}</div>
      )}
    </div>
  );
}
