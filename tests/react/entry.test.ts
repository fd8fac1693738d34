import { describe, expect, it } from 'vitest'
import * as root from '../../src/entries/index'
import * as reactServer from '../../src/entries/index.react-server'
import * as react from '../../src/react'

describe('entry points', () => {
  it('the root entry has the server API and the hook, as the seed imports them', () => {
    expect(typeof root.createSSEHandler).toBe('function')
    expect(typeof root.useSSE).toBe('function')
    expect(root.useSSE).toBe(react.useSSE)
  })

  it('the react-server root (route handlers) has the server API without the hook', () => {
    expect(typeof reactServer.createSSEHandler).toBe('function')
    expect('useSSE' in reactServer).toBe(false)
  })

  it('/react exports the hook only', () => {
    expect(Object.keys(react)).toEqual(['useSSE'])
  })
})
