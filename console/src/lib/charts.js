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
