/**
 * The client half of the contract, run INSIDE a runtime that runs files (`bun`, `deno`): the package's
 * `EventSource` and `createParser`, as that runtime loads them, read the contract app served by the same
 * runtime, and print what they saw as one JSON line ({@link ReadInside}) for the test to check. Bundled
 * with esbuild like the servers; the base URL is the one argument.
 */
import { createParser, EventSource, type ParsedEvent } from 'use-next-sse/client'

/** What the script prints. */
export interface ReadInside {
  /** The ids of the `seq` events the EventSource got from `order` (1…200, then the server closes). */
  ids: string[]
  /** The EventSource's readyState and error once the stream ended (reconnect off). */
  readyState: number
  error: string | null
  /** The events createParser found in the body of `wire`, fed chunk by chunk as they arrived. */
  wire: ParsedEvent[]
}

const runtime = globalThis as { Deno?: { args: string[] }; Bun?: { argv: string[] } }
const base = runtime.Deno?.args[0] ?? runtime.Bun?.argv[2]
if (base === undefined) throw new TypeError('Usage: <bun | deno run --allow-net> read-inside.js <base url>')

function readOrder(): Promise<Pick<ReadInside, 'ids' | 'readyState' | 'error'>> {
  const source = new EventSource(`${base}/order?id=inside-${Date.now()}`, { reconnect: false })
  const ids: string[] = []
  return new Promise((resolve) => {
    source.addEventListener('seq', (event) => ids.push(event.lastEventId))
    source.addEventListener('error', () =>
      resolve({ ids, readyState: source.readyState, error: source.error ? String(source.error) : null }),
    )
  })
}

async function readWire(): Promise<ParsedEvent[]> {
  const events: ParsedEvent[] = []
  const parser = createParser({ onEvent: (event) => events.push(event) })
  const response = await fetch(`${base}/wire?id=inside-${Date.now()}`)
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(chunk)
  return events
}

const result: ReadInside = { ...(await readOrder()), wire: await readWire() }
console.log(JSON.stringify(result))
