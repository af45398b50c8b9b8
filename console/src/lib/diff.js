// What changed between two versions of an item, as lines people read: where (a readable path)
// and the value before and after. Lists of conditions and cases are compared by position.
const NAMES = { rule: '条件', amount: '金额', params: '参数', cases: '案例', materials: '材料', note: '说明' }

export function versionDiff(older, newer, keys = Object.keys(NAMES)) {
  const lines = []
  for (const key of keys) walk(NAMES[key], older?.[key], newer?.[key], lines)
  return lines
}

function walk(path, before, after, lines) {
  if (JSON.stringify(before) === JSON.stringify(after)) return
  const bothObjects = isObject(before) && isObject(after)
  const bothLists = Array.isArray(before) && Array.isArray(after)
  if (bothLists) {
    const length = Math.max(before.length, after.length)
    for (let i = 0; i < length; i++) walk(`${path}[${i + 1}]`, before[i], after[i], lines)
    return
  }
  if (bothObjects) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      walk(`${path}.${key}`, before[key], after[key], lines)
    }
    return
  }
  lines.push({ path, before: show(before), after: show(after) })
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function show(value) {
  if (value === undefined) return '（无）'
  return typeof value === 'string' ? value : JSON.stringify(value)
}
