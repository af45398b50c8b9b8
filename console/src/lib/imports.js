// Profile batches in the console: a batch id for an upload, and a report in rows people read.
export const SOURCES = { jsonl: 'JSON Lines 文件', csv: 'CSV 文件', api: '接口', cli: '命令行' }
export const MODES = { replace: '整档替换', merge: '合并更新' }

export function batchId(now = new Date(), random = Math.random) {
  const pad = (n) => String(n).padStart(2, '0')
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`
  return `console-${stamp}-${Math.floor(random() * 1e4).toString().padStart(4, '0')}`
}

// Rejected rows as one line per problem: {line, identifier, field, message}.
export function problems(report) {
  const out = []
  if (report?.file_error) out.push({ line: report.file_error.line, identifier: '', field: '文件', message: report.file_error.message })
  for (const row of report?.rejected_rows || []) {
    for (const [field, messages] of Object.entries(row.errors || {})) {
      for (const message of messages) out.push({ line: row.line, identifier: row.identifier, field, message })
    }
  }
  return out
}
