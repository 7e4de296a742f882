import type { Source } from '../types.ts';

/** One checkbox per source: which sources a destination is connected to. */
export function SourceChecklist({
  sources,
  chosen,
  onChange,
  verb = 'Source',
}: {
  sources: readonly Source[];
  chosen: readonly string[];
  onChange(sourceIds: string[]): void;
  /** The label's first word(s): "Source Website", "Connect source Website". */
  verb?: string;
}) {
  return (
    <>
      {sources.map((source) => (
        <label key={source.id} className="check">
          <input
            type="checkbox"
            checked={chosen.includes(source.id)}
            onChange={(e) =>
              onChange(e.target.checked ? [...chosen, source.id] : chosen.filter((id) => id !== source.id))
            }
          />
          {verb} {source.name}
        </label>
      ))}
    </>
  );
}
