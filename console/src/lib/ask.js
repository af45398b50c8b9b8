// 智能咨询 for staff: the lexicon's policy words typed as one line, and the questions' states.
export const QUESTION_FILTERS = {
  unanswered: { label: '未能回答', query: 'answered=false' },
  useless: { label: '居民说没用', query: 'feedback=useless' },
  all: { label: '全部', query: '' },
}

// 长寿补贴、100周岁 / 长寿补贴, 100周岁 → ['长寿补贴', '100周岁']
export function wordsFromText(text) {
  return [...new Set(String(text || '').split(/[、，,;；\s]+/).map((w) => w.trim()).filter(Boolean))]
}

export function wordsToText(words) {
  return (words || []).join('、')
}

export function questionState(row) {
  if (!row.answered) return '未能回答'
  if (row.feedback === 'useless') return '答了，居民说没用'
  if (row.feedback === 'useful') return '答了，有用'
  return '答了'
}
