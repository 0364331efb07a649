/** Output helpers: short, aligned lines with measured numbers. */
const LABEL_WIDTH = 20

export const num = (n: number): string => n.toLocaleString('en-US')

export const ms = (value: number): string =>
  value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value).toLocaleString('en-US')} ms`

export const money = (value: number): string => `$${value.toFixed(2)}`

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / (1024 * 1024)).toFixed(1)} MB`
}

/** `  label               value` */
export function line(label: string, value: string): void {
  console.log(`  ${label.padEnd(LABEL_WIDTH)} ${value}`)
}

/** A continuation line under the value column. */
export function detail(text: string): void {
  console.log(`  ${' '.repeat(LABEL_WIDTH)} ${text}`)
}

export function heading(title: string, subtitle?: string): void {
  const text = `── ${title} `
  console.log(`\n${text}${'─'.repeat(Math.max(3, 64 - text.length))}`)
  if (subtitle) console.log(`  ${subtitle}`)
}

/** A line rewritten in place on a terminal (progress); on a pipe only the final version is printed. */
export class LiveLine {
  private readonly tty = Boolean(process.stdout.isTTY)
  private shown = false

  update(label: string, value: string): void {
    if (!this.tty) return
    process.stdout.write(`\r\x1b[2K  ${label.padEnd(LABEL_WIDTH)} ${value}`)
    this.shown = true
  }

  done(label: string, value: string): void {
    if (this.shown) process.stdout.write('\r\x1b[2K')
    this.shown = false
    line(label, value)
  }
}

/** Exits once stdout is flushed (stdout to a pipe is asynchronous on some platforms). */
export async function exitAfterFlush(code: number): Promise<never> {
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()))
  process.exit(code)
}
