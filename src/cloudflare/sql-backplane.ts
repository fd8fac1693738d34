import type { Backplane, BackplaneEvent, HistoryResult, Retention } from '../channels'

/** What the backplane needs of `ctx.storage` in a SQLite-backed Durable Object. */
export interface SqlStorageLike {
  sql: {
    exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, unknown>[] }
  }
  transactionSync<T>(closure: () => T): T
}

/** A backplane that also says how many events it holds, for tests and diagnostics. */
export interface SqlBackplane extends Backplane {
  /** The newest id issued, or `null` before the first publish. */
  lastId(): string | null
}

const DEFAULT_MAX_EVENTS = 1000
/** Expired rows are deleted on a publish at most this often: reads skip them anyway (see history()). */
const SWEEP_INTERVAL = 30_000
const EVENTS = 'use_next_sse_events'
const META = 'use_next_sse_meta'

/**
 * A backplane for the one channel a Durable Object hosts: the sequence and the history live in the
 * object's SQLite storage, so ids keep increasing and history survives the object being evicted,
 * restarted or moved; delivery is to the listeners in this object (every subscriber of the channel is
 * here, since the channel's name routes to this one object).
 *
 * Ids are `<epoch>-<sequence>`. The epoch is drawn when the tables are first created, so an id from
 * storage that was since deleted (or from another object) is recognised as foreign and answered with a
 * gap, never misread as a position.
 */
export function createSqlBackplane(storage: SqlStorageLike): SqlBackplane {
  const { sql } = storage
  sql.exec(
    `CREATE TABLE IF NOT EXISTS ${EVENTS} (seq INTEGER PRIMARY KEY, event TEXT, data TEXT NOT NULL, at INTEGER NOT NULL)`,
  )
  sql.exec(`CREATE TABLE IF NOT EXISTS ${META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`)
  const meta = new Map(
    sql
      .exec(`SELECT key, value FROM ${META}`)
      .toArray()
      .map((r) => [r.key, String(r.value)]),
  )
  let epoch = meta.get('epoch')
  if (epoch === undefined) {
    epoch = (Date.now().toString(36) + Math.random().toString(36).slice(2, 6)).slice(-8)
    sql.exec(`INSERT INTO ${META} (key, value) VALUES ('epoch', ?), ('seq', '0')`, epoch)
  }
  let seq = Number(meta.get('seq') ?? 0)
  const prefix = `${epoch}-`
  const listeners = new Set<(event: BackplaneEvent) => void>()
  let nextSweep = 0

  const seqOf = (id: string): number => {
    if (!id.startsWith(prefix)) return Number.NaN
    const rest = id.slice(prefix.length)
    return /^\d{1,15}$/.test(rest) ? Number(rest) : Number.NaN
  }
  const toEvent = (row: Record<string, unknown>): BackplaneEvent => {
    const e: BackplaneEvent = { id: prefix + String(row.seq), data: String(row.data) }
    if (typeof row.event === 'string') e.event = row.event
    return e
  }

  return {
    publish(_channel, event, retention) {
      const next = seq + 1
      const now = Date.now()
      const maxEvents = retention.maxEvents ?? DEFAULT_MAX_EVENTS
      // One transaction: the event, the sequence and the trimming are stored together or not at all,
      // and all before any subscriber sees the event.
      storage.transactionSync(() => {
        sql.exec(
          `INSERT INTO ${EVENTS} (seq, event, data, at) VALUES (?, ?, ?, ?)`,
          next,
          event.event ?? null,
          event.data,
          now,
        )
        sql.exec(`UPDATE ${META} SET value = ? WHERE key = 'seq'`, String(next))
        sql.exec(`DELETE FROM ${EVENTS} WHERE seq <= ?`, next - maxEvents)
        if (retention.maxAge !== undefined && now >= nextSweep) {
          nextSweep = now + Math.min(SWEEP_INTERVAL, retention.maxAge)
          sql.exec(`DELETE FROM ${EVENTS} WHERE at < ?`, now - retention.maxAge)
        }
      })
      seq = next
      const stored: BackplaneEvent = { id: prefix + String(next), ...event }
      for (const listener of listeners) listener(stored)
      return stored.id
    },

    subscribe(_channel, listener) {
      const own = (event: BackplaneEvent) => listener(event)
      listeners.add(own)
      return () => listeners.delete(own)
    },

    history(_channel, afterId, retention: Retention): HistoryResult {
      const after = afterId === null ? Number.NaN : seqOf(afterId)
      const known = after >= 0 && after <= seq
      // The retention of this read, not only of the last publish: a lowered maxEvents or an expired
      // maxAge takes effect without waiting for the next publish to trim.
      const floor = Math.max(known ? after : 0, seq - (retention.maxEvents ?? DEFAULT_MAX_EVENTS))
      const cutoff = retention.maxAge === undefined ? 0 : Date.now() - retention.maxAge
      const rows = sql
        .exec(`SELECT seq, event, data FROM ${EVENTS} WHERE seq > ? AND at >= ? ORDER BY seq`, floor, cutoff)
        .toArray()
      // Ids are consecutive, so nothing is missing exactly when the next one after the client's is there
      // (or the client has the newest).
      const complete = known && (after === seq || Number(rows[0]?.seq) === after + 1)
      return { events: rows.map(toEvent), complete }
    },

    isId: (id) => !Number.isNaN(seqOf(id)),
    compare: (a, b) => seqOf(a) - seqOf(b),
    lastId: () => (seq === 0 ? null : prefix + String(seq)),
  }
}
