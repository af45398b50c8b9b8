// ECharts options from the API's figures (kept out of the pages so tests read them).
export function districtChart(districts) {
  const names = districts.map((d) => d.name)
  return {
    tooltip: { trigger: 'axis' },
    legend: { data: ['符合', '待补充信息'] },
    grid: { left: 40, right: 16, bottom: 40, top: 36 },
    xAxis: { type: 'category', data: names },
    yAxis: { type: 'value', name: '主体数' },
    series: [
      { name: '符合', type: 'bar', stack: 'all', data: districts.map((d) => d.eligible) },
      { name: '待补充信息', type: 'bar', stack: 'all', data: districts.map((d) => d.unknown) },
    ],
  }
}

const toYuan = (fen) => Math.round(fen / 100)

// 驾驶舱: expected benefit (元, next 12 months) and subjects matched, by district.
export function benefitByDistrict(rows) {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: ['预期红利（元）', '符合主体数'] },
    grid: { left: 70, right: 60, bottom: 56, top: 48 },
    xAxis: { type: 'category', data: rows.map((r) => r.name), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: [{ type: 'value', name: '元' }, { type: 'value', name: '主体数' }],
    series: [
      { name: '预期红利（元）', type: 'bar', data: rows.map((r) => toYuan(r.annual_fen)) },
      { name: '符合主体数', type: 'line', yAxisIndex: 1, data: rows.map((r) => r.subjects) },
    ],
  }
}

// The items bringing most (top `count`), as horizontal bars in 元.
export function topItems(rows, count = 10) {
  const top = rows.slice(0, count).reverse()
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 160, right: 30, bottom: 30, top: 10 },
    xAxis: { type: 'value', name: '元' },
    yAxis: { type: 'category', data: top.map((r) => r.name) },
    series: [{ name: '预期红利（元）', type: 'bar', data: top.map((r) => toYuan(r.annual_fen)) }],
  }
}

// The funnel: stages differ by orders of magnitude (thousands matched, a handful paid), so every
// stage keeps a visible width and says its count.
export function funnel(stages) {
  return {
    tooltip: { trigger: 'item', formatter: '{b}：{c}' },
    series: [
      {
        name: '转化',
        type: 'funnel',
        sort: 'none',
        left: '10%',
        width: '80%',
        minSize: '18%',
        label: { show: true, position: 'inside', formatter: '{b} {c}' },
        data: stages.map((s) => ({ name: s.label, value: s.count })),
      },
    ],
  }
}

export const GRANT_NAMES = { granted: '已发放待确认', confirmed: '已确认', declined: '本人放弃', paid: '已兑现' }

export function grantsPie(grants) {
  return {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    series: [{ name: '免申即享', type: 'pie', radius: ['40%', '70%'], data: Object.entries(grants).map(([status, count]) => ({ name: GRANT_NAMES[status] || status, value: count })) }],
  }
}

export function paidByMonth(months) {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 70, right: 20, bottom: 30, top: 20 },
    xAxis: { type: 'category', data: months.map((m) => m.month) },
    yAxis: { type: 'value', name: '元' },
    series: [{ name: '兑现金额（元）', type: 'line', data: months.map((m) => toYuan(m.paid_fen)) }],
  }
}
