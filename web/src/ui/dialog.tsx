import { type FormEvent, type ReactNode, useEffect, useId, useRef } from 'react';

/**
 * A modal dialog over the page, labelled by its title; with `onSubmit` it is a form (Enter submits). Escape
 * calls `onClose`; focus moves into the dialog when it opens, unless a field inside asked for it.
 */
export function Dialog({
  title,
  onSubmit,
  onClose,
  wide = false,
  children,
}: {
  title: ReactNode;
  onSubmit?: () => void;
  onClose?: () => void;
  /** Most of the screen's width, for side-by-side content such as a diff. */
  wide?: boolean;
  children: ReactNode;
}) {
  const titleId = useId();
  const box = useRef<HTMLElement>(null);
  useEffect(() => {
    if (box.current && !box.current.contains(document.activeElement)) box.current.focus();
  }, []);
  useEffect(() => {
    if (!onClose) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
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
    tabIndex: -1,
  } as const;
  return (
    <div className="dialog-backdrop">
      {onSubmit ? (
        <form
          {...props}
          ref={box as React.RefObject<HTMLFormElement>}
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            onSubmit();
          }}
        >
          {content}
        </form>
      ) : (
        <div {...props} ref={box as React.RefObject<HTMLDivElement>}>
          {content}
        </div>
      )}
    </div>
  );
}
