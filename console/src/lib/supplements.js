// 补充信息 as a reviewer reads it: a declared value in words (是/否, 元, the choice's name), and
// the ratings (好差评) of the 驾驶舱.
import { yuan } from './money.js'

export const SUPPLEMENT_STATUS = { pending: '待审核', approved: '已通过', rejected: '已退回' }
export const SCORE_WORDS = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' }

// `fact`: the catalog's entry (GET /facts) when known, for the names of choices and codes.
export function shownValue(value, type, fact = null) {
  if (value === null || value === undefined) return '未登记'
  // a choice is {value, label} (public catalog) or [value, label] (the admin catalog)
  const pairs = [...(fact?.choices || []), ...(fact?.codes || [])].map((c) => (Array.isArray(c) ? c : [c.value, c.label]))
  const names = Object.fromEntries(pairs)
  if (type === 'boolean') return value ? '是' : '否'
  if (type === 'money') return yuan(value)
  if (type === 'percent') return `${value}%`
  if (Array.isArray(value)) return value.map((v) => names[v] || v).join('、')
  const unit = fact?.unit && type !== 'enum' && type !== 'code' ? ` ${fact.unit}` : ''
  return `${names[value] || value}${unit}`
}

// The share of ratings that were 满意 or 非常满意, as people read it.
export function satisfiedText(ratings) {
  if (!ratings || !ratings.count) return '暂无评价'
  return `${(ratings.satisfied_permille / 10).toFixed(1)}%（${ratings.count} 条评价）`
}
