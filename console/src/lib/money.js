// Money: the API speaks integer fen; people read and type 元.
export function yuan(fen) {
  if (fen === null || fen === undefined) return '—'
  const sign = fen < 0 ? '-' : ''
  const whole = Math.floor(Math.abs(fen) / 100)
  const cents = Math.abs(fen) % 100
  return `${sign}${whole.toLocaleString('en-US')}${cents ? `.${String(cents).padStart(2, '0')}` : ''} 元`
}

// "1,234.5" or "1234.56" 元 → 123450 / 123456 fen; null for what is not an amount.
export function toFen(text) {
  const cleaned = String(text ?? '').replace(/[,，\s元]/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null
  const [whole, cents = ''] = cleaned.split('.')
  return Number(whole) * 100 + Number(cents.padEnd(2, '0'))
}

export function toYuanText(fen) {
  if (fen === null || fen === undefined) return ''
  return (fen / 100).toFixed(fen % 100 ? 2 : 0)
}
