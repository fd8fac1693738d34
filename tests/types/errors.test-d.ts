import { type SSEError as ClientSSEError, isSSEError as clientIsSSEError } from 'use-next-sse/client'
import { isSSEError, SSEError, type SSEErrorCode } from 'use-next-sse/server'
import { describe, expectTypeOf, it } from 'vitest'

describe('SSEError', () => {
  it('is one type from /client and /server', () => {
    expectTypeOf<ClientSSEError>().toEqualTypeOf<SSEError>()
    expectTypeOf(clientIsSSEError).toEqualTypeOf(isSSEError)
  })

  it('has a code union, an optional status and a cause', () => {
    const error = new SSEError('HTTP_STATUS', 'Unauthorized', { status: 401, cause: new Error('x') })
    expectTypeOf(error).toExtend<Error>()
    expectTypeOf(error.code).toEqualTypeOf<SSEErrorCode>()
    expectTypeOf(error.status).toEqualTypeOf<number | undefined>()
    expectTypeOf<'NETWORK'>().toExtend<SSEErrorCode>()
    expectTypeOf<'NOT_A_CODE'>().not.toExtend<SSEErrorCode>()
    // @ts-expect-error not a code
    new SSEError('NOT_A_CODE', 'x')
  })

  it('isSSEError narrows unknown to SSEError, with or without a code', () => {
    const value: unknown = null
    if (isSSEError(value)) expectTypeOf(value).toEqualTypeOf<SSEError>()
    if (isSSEError(value, 'NO_CONTENT')) expectTypeOf(value.code).toEqualTypeOf<SSEErrorCode>()
    else expectTypeOf(value).toBeUnknown()
    // @ts-expect-error not a code
    isSSEError(value, 'NOT_A_CODE')
  })
})
