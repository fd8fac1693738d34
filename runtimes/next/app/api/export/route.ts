// Server: app/api/export/route.ts, as in the README.
import { createSSEHandler } from 'use-next-sse'
import { fetchDataInChunks, getTotalRecords, processChunk } from '../../_lib/export'

export const dynamic = 'force-dynamic'

/** The export's two events: typed here, read by the page through this handler's type. */
export type ExportEvents = {
  progress: { progress: number; processed: number; total: number }
  complete: { completed: true; total: number; bytes: number; seconds: number }
}

export const GET = createSSEHandler<ExportEvents>(async (send, close, { signal }) => {
  const exportData = async () => {
    const started = Date.now()
    const total = await getTotalRecords()
    let processed = 0
    let bytes = 0

    for await (const chunk of fetchDataInChunks()) {
      // The client left: stop working for nobody.
      if (signal.aborted) return
      bytes += await processChunk(chunk)
      processed += chunk.length
      send(
        {
          progress: (processed / total) * 100,
          processed,
          total,
        },
        'progress',
      )
    }

    send({ completed: true, total, bytes, seconds: (Date.now() - started) / 1000 }, 'complete')
    close()
  }

  exportData()
})
