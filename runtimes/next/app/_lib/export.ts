/**
 * The export job behind the README's export route: records read in chunks from an in-process "table"
 * and turned into CSV, slowly enough to watch the progress bar move.
 */
export interface OrderRecord {
  id: number
  customer: string
  amount: number
  createdAt: string
}

const TOTAL = 2400
const CHUNK = 200
const customers = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Edsger', 'Frances']

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function getTotalRecords(): Promise<number> {
  await sleep(50)
  return TOTAL
}

/** Reads the table a chunk at a time, as a database cursor would. */
export async function* fetchDataInChunks(): AsyncGenerator<OrderRecord[]> {
  for (let offset = 0; offset < TOTAL; offset += CHUNK) {
    await sleep(120)
    yield Array.from({ length: Math.min(CHUNK, TOTAL - offset) }, (_, i) => {
      const id = offset + i + 1
      return {
        id,
        customer: customers[id % customers.length]!,
        amount: Math.round(((id * 7919) % 100_000) / 10) / 10,
        createdAt: new Date(Date.UTC(2025, 0, 1) + id * 3_600_000).toISOString(),
      }
    })
  }
}

/** Turns a chunk into CSV lines; returns the bytes written. */
export async function processChunk(chunk: OrderRecord[]): Promise<number> {
  await sleep(80)
  const csv = chunk.map((r) => `${r.id},${r.customer},${r.amount},${r.createdAt}\n`).join('')
  return new TextEncoder().encode(csv).byteLength
}
