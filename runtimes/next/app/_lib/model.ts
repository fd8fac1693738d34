/**
 * A fake model API for the answer demo: it streams an answer token by token over SSE, like a real
 * model's streaming endpoint, at a steady rate and with no network. It keeps, per request, how many
 * tokens it produced and how many after its client had gone (which must be none: stopping has to reach
 * it), so the page and the tests can see it stop.
 */

/** What the model did for one request, by the id the page gave it. */
export interface ModelRun {
  produced: number
  /** Tokens produced although the request was already aborted: stopping failed if this is not 0. */
  afterAbort: number
  /** Whether the model saw its request aborted (the relay stopped) before the answer was complete. */
  aborted: boolean
  done: boolean
}

/** Every run, on globalThis: each Next route bundle has its own copy of this module, the process one of these. */
const shared = globalThis as { __fakeModelRuns?: Map<string, ModelRun> }
shared.__fakeModelRuns ??= new Map()
const runs = shared.__fakeModelRuns

/** The run of `id`, made on first use; the oldest are forgotten past 200. */
export function runOf(id: string): ModelRun {
  let run = runs.get(id)
  if (!run) {
    run = { produced: 0, afterAbort: 0, aborted: false, done: false }
    runs.set(id, run)
    if (runs.size > 200) runs.delete(runs.keys().next().value!)
  }
  return run
}

/** The answer the model gives, cut into tokens the way a tokenizer would: words and their spaces. */
export function tokensFor(prompt: string): string[] {
  const topic = prompt.trim().slice(0, 80) || 'nothing in particular'
  const text =
    `You asked about "${topic}". Server-Sent Events carry a generated answer well: the server relays each ` +
    'token as it arrives, the browser shows it at once, and stopping aborts every hop, from the page to the ' +
    'route to the model, so no token is generated for nobody. This answer is long on purpose, so that there ' +
    'is time to press Stop in the middle of it and watch the count of tokens produced after the stop stay at zero.'
  return text.match(/\S+\s*/g) ?? []
}

/** Milliseconds between two tokens: steady, like a model that generates at a fixed rate. */
export const TOKEN_INTERVAL = 60
