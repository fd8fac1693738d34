import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { isSSEError, SSEError } from '../../src/core'

describe('SSEError', () => {
  it('carries a code, a cause and a status', () => {
    const cause = new Error('boom')
    const error = new SSEError('HTTP_STATUS', 'bad status', { cause, status: 401 })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('SSEError')
    expect(error.code).toBe('HTTP_STATUS')
    expect(error.status).toBe(401)
    expect(error.cause).toBe(cause)
    expect(isSSEError(error)).toBe(true)
    expect(isSSEError(error, 'HTTP_STATUS')).toBe(true)
    expect(isSSEError(error, 'NETWORK')).toBe(false)
  })

  it('is recognised across realms, where instanceof fails', () => {
    const foreign = runInNewContext(
      `(() => { const e = new Error('x'); e.name = 'SSEError'; e.code = 'NETWORK'; return e })()`,
    )
    expect(foreign instanceof Error).toBe(false)
    expect(isSSEError(foreign, 'NETWORK')).toBe(true)
  })

  it('rejects look-alikes', () => {
    expect(isSSEError(new Error('x'))).toBe(false)
    expect(isSSEError({ name: 'SSEError' })).toBe(false)
    expect(isSSEError(null)).toBe(false)
  })
})
