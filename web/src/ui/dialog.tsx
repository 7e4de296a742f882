import { type FormEvent, type ReactNode, useId } from 'react';

/** A modal dialog over the page, labelled by its title; with `onSubmit` it is a form (Enter submits). */
export function Dialog({
  title,
  onSubmit,
  children,
}: {
  title: ReactNode;
  onSubmit?: () => void;
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
    className: 'dialog',
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
