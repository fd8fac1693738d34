/*
 * Validation with any schema library that implements Standard Schema (zod, valibot, arktype and others
 * expose `~standard`). The interface is typed here, from the published spec, so no schema library is a
 * dependency: a user's schema fits by its shape.
 */
import { SSEError } from '../core'

/** One problem a schema found: a message, and where in the value when the library says. */
export interface SchemaIssue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

type SchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<SchemaIssue> }

/**
 * A schema as Standard Schema v1 defines it (https://standardschema.dev): what zod (3.24+), valibot (1+)
 * and arktype (2+) schemas are. Only the parts this package reads are listed.
 *
 * @example
 * ```ts
 * import { z } from 'zod'
 * const schema: StandardSchema<unknown, { count: number }> = z.object({ count: z.number() })
 * ```
 */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1
    readonly vendor: string
    readonly validate: (value: unknown) => SchemaResult<Output> | Promise<SchemaResult<Output>>
    readonly types?: { readonly input: Input; readonly output: Output } | undefined
  }
}

/** The type a schema produces. */
export type SchemaOutput<S> = S extends StandardSchema<any, infer O> ? O : never

/** Where the message of an issue applies, as `a.b[0]`-like text (empty for the value itself). */
function pathOf(issue: SchemaIssue): string {
  let out = ''
  for (const part of issue.path ?? []) {
    const key = typeof part === 'object' && part !== null ? part.key : part
    out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`
  }
  return out
}

/** The error of a value the schema refused: code `VALIDATION`, with the issues. */
function refusal(eventName: string, issues: ReadonlyArray<SchemaIssue>): SSEError {
  const listed = issues.map((issue) => (pathOf(issue) ? `${pathOf(issue)}: ${issue.message}` : issue.message))
  return new SSEError('VALIDATION', `Invalid "${eventName}" data: ${listed.join('; ')}`, { issues })
}

/**
 * Runs `schema` on `value`: the validated (possibly transformed) value, or the `VALIDATION` error. A
 * schema that throws (or rejects) is reported the same way, with what it threw as the cause, never
 * thrown on: an event handler has no caller to catch it.
 */
export function validate(
  schema: StandardSchema,
  value: unknown,
  eventName: string,
): { value: unknown } | { error: SSEError } | Promise<{ value: unknown } | { error: SSEError }> {
  const settle = (result: SchemaResult<unknown>) =>
    result.issues ? { error: refusal(eventName, result.issues) } : { value: result.value }
  const failed = (cause: unknown) => ({
    error: new SSEError('VALIDATION', `The "${eventName}" schema threw: ${cause}`, { cause }),
  })
  try {
    const result = schema['~standard'].validate(value)
    return result instanceof Promise ? result.then(settle, failed) : settle(result)
  } catch (cause) {
    return failed(cause)
  }
}
