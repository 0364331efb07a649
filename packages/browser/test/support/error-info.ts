/** Errors as plain data, so they cross `page.evaluate` with their name, code and cause (classes do not). */
export interface ErrorInfo {
  name?: string
  code?: string
  message?: string
  outcome?: string
  cause?: ErrorInfo
}

export function errorInfo(error: unknown): ErrorInfo {
  const e = error as { name?: string; code?: string; message?: string; outcome?: string; cause?: unknown }
  return {
    name: e?.name,
    code: e?.code,
    message: e?.message,
    outcome: e?.outcome,
    ...(e?.cause ? { cause: errorInfo(e.cause) } : {}),
  }
}
