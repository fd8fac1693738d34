/** A progress bar: `value` in percent. */
export function ProgressBar({ value, done = false }: { value: number; done?: boolean }) {
  const percent = Math.max(0, Math.min(100, value))
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(percent)}
      aria-label="Export progress"
    >
      <div className={done ? 'progress-fill done' : 'progress-fill'} style={{ width: `${percent}%` }} />
    </div>
  )
}
