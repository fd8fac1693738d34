/** Data lines kept as they came (slices of the input) before they are copied into one flat block. */
const BATCH = 512
/** A piece of input at least this long is released at its end: the data lines cut from it are copied. */
const RELEASE = 4096

/**
 * The parser's data buffer: the `data` lines of the event being read, in two parts, so that it costs
 * about its own size, whatever the number of lines. `parts`: the latest lines as they came, slices of the
 * input (each keeps its whole input piece alive) or ropes. `blocks`: earlier lines copied into flat
 * strings, `BATCH` lines at a time, and at the end of every input piece of `RELEASE` characters or more.
 * Joined once, at dispatch. (One rope of `data + "\n" + value` instead held every input piece and two
 * rope nodes per line: 5.8x the data for 20-character lines, 32x for 1-character ones.)
 * @internal
 */
export class DataBuffer {
  readonly #parts: string[] = []
  readonly #blocks: string[] = []
  /** The length of the lines in `parts`: whether they are worth copying out of their input piece. */
  #partsSize = 0
  /** The length in UTF-16 code units, the `\n` between lines included. */
  #size = 0
  /** Whether it holds a line (a `data` line with an empty value still makes the data `"\n"`-joined). */
  hasData = false

  /**
   * "Process the field" for `data` (9.2.6): appends the value, with a LF before it unless it is the
   * first. Returns false, keeping nothing, when the data would grow past `max`.
   */
  append(value: string, max: number): boolean {
    this.#size = this.hasData ? this.#size + 1 + value.length : value.length
    this.hasData = true
    if (this.#size > max) return false
    this.#parts.push(value)
    this.#partsSize += value.length
    if (this.#parts.length === BATCH) this.#settle()
    return true
  }

  /** The data, joined; the buffer is emptied. A single line stays its own slice: no copy. */
  take(): string {
    const parts = this.#parts
    const blocks = this.#blocks
    if (blocks.length) this.#settle()
    const data = blocks.length ? blocks.join('\n') : parts.length === 1 ? parts[0]! : parts.join('\n')
    this.clear()
    return data
  }

  /** Empties the buffer. */
  clear(): void {
    // Emptied in place, and the usual single line by `pop()`: setting `length` (or a new pair of arrays)
    // per event costs small events a quarter of their time.
    const parts = this.#parts
    if (parts.length === 1) parts.pop()
    else if (parts.length) parts.length = 0
    if (this.#blocks.length) this.#blocks.length = 0
    this.#size = this.#partsSize = 0
    this.hasData = false
  }

  /**
   * At the end of an input piece of `length` characters: the lines cut from a large piece would keep all
   * of it alive, so they are copied, letting it go. Only when they are a small part of it: lines that make
   * up most of the piece cost little more than their copy would (a large event in large chunks), and
   * copying them twice would halve its speed.
   */
  release(length: number): void {
    if (length >= RELEASE && this.#partsSize * 2 < length) this.#settle()
  }

  /** Copies the pending lines into one flat block, letting go of the input they were cut from. */
  #settle(): void {
    if (this.#parts.length) {
      this.#blocks.push(this.#parts.join('\n'))
      this.#parts.length = 0
      this.#partsSize = 0
    }
  }
}
