// 政策列表/搜索 and 事项详情 as a resident sees them.
const { install, reply, paginated, apiError } = require('./helpers/fake-wx')
const { open, text, tap, find, settle } = require('./helpers/page')
const auth = require('../utils/auth')
const f = require('./fixtures')

beforeEach(() => auth.reset())

describe('政策列表', () => {
  test('lists items, filters by keyword and mode, and opens one', async () => {
    const fake = install({ 'GET /items': paginated([f.itemCard(), f.itemCard({ id: 19, name: '一次性创业补贴', mode: 'guide', open_now: false })]) })
    const page = await open('pages/policies/policies')
    const seen = text(page)
    expect(seen).toContain('高龄津贴')
    expect(seen).toContain('80至89周岁每人每月100元')
    expect(seen).toContain('一键办理')
    expect(seen).toContain('不在申请期')
    expect(seen).toContain('市民政局 · 聊城市高龄津贴发放管理办法')

    page.instance.onInput({ detail: { value: ' 高龄 ' } })
    page.instance.onMode({ detail: { value: 2 } })
    await settle()
    const last = fake.calls.request[fake.calls.request.length - 1]
    expect(last.query).toEqual({ page: '1', page_size: '20', q: '高龄', mode: 'one_tap' })

    await tap(page, '.result')
    expect(fake.calls.navigate).toEqual(['/pages/item/item?id=18'])
  })

  test('the policy tab lists documents and opens one in place', async () => {
    const fake = install({
      'GET /items': paginated([f.itemCard()]),
      'GET /policies': paginated([{ id: 8, title: '聊城市高龄津贴发放管理办法', doc_number: '聊民发〔2025〕8号', summary: '高龄老人按月领取津贴', item_count: 1, department: { id: 2, name: '聊城市民政局', short_name: '市民政局' } }]),
      'GET /policies/8': reply(200, { id: 8, title: '聊城市高龄津贴发放管理办法', interpretation: '一、谁能领？户口在聊城、年满80周岁的老人都能领。', items: [f.itemCard()] }),
    })
    const page = await open('pages/policies/policies')
    await tap(page, '#tab-policies')
    expect(text(page)).toContain('聊民发〔2025〕8号')
    await tap(page, '.result')
    await settle()
    expect(text(page)).toContain('一、谁能领？')
    expect(fake.calls.request.map((r) => r.path)).toContain('/policies/8')
  })

  test('nothing found shows the empty state', async () => {
    install({ 'GET /items': paginated([]) })
    const page = await open('pages/policies/policies', { q: '不存在的政策' })
    expect(text(page)).toContain('没有找到相关事项')
  })

  test('a failed search shows the error', async () => {
    install({ 'GET /items': apiError(422, '输入内容有误，请检查后重试', { query: { district: ['应为行政区划代码，如 371502'] } }) })
    const page = await open('pages/policies/policies')
    expect(text(page)).toContain('加载失败：输入内容有误，请检查后重试')
  })
})

describe('事项详情', () => {
  test('shows why I qualify, the amount with its trace, and 一键办理', async () => {
    const fake = install({ 'GET /items/18': reply(200, f.itemDetail()) })
    const page = await open('pages/item/item', { id: '18', subject_id: '3' })
    const seen = text(page)
    expect(seen).toContain('您符合条件')
    expect(seen).toContain('✓ 年满80周岁（年龄 82 周岁）')
    expect(seen).toContain('100元/月')
    expect(seen).toContain('未来 12 个月约 1,200元')
    expect(seen).toContain('年龄 82 周岁，适用 80–89 周岁 档：100 元')
    expect(seen).toContain('老年人本人或代办人身份证')
    expect(seen).toContain('申请期：即日起 至 2026-12-31')
    await tap(page, '.claim-button')
    expect(fake.calls.navigate).toEqual(['/pages/claim-form/claim-form?item_id=18&subject_id=3'])
  })

  test('shows what is missing, and no claim button, when the verdict is unknown', async () => {
    const fake = install({
      'GET /items/18': reply(200, f.itemDetail({ mine: [f.standing({ verdict: 'unknown', summary: '缺少出生日期', missing: [{ fact: 'birth_date', label: '出生日期' }], amount: null })] })),
    })
    const page = await open('pages/item/item', { id: '18' })
    const seen = text(page)
    expect(seen).toContain('还差一些信息才能判断')
    expect(seen).toContain('还缺这些信息· 出生日期')
    expect(page.querySelector('.claim-button')).toBeUndefined()
    expect(seen).toContain('还缺信息：点「补充信息」提交，或致电咨询') // a next step, not a dead end
    await tap(page, '.supplement')
    expect(fake.calls.navigate.pop()).toMatch(/^\/pages\/supplement\/supplement\?item_id=\d+&subject_id=\d+$/)
  })

  test('a declared fact waiting for review says so instead of offering 补充信息 again', async () => {
    const missing = [{ fact: 'birth_date', label: '出生日期' }]
    install({
      'GET /items/18': reply(200, f.itemDetail({ mine: [f.standing({ verdict: 'unknown', missing, amount: null, supplements: [{ id: 5, fact: 'birth_date', status: 'pending', reason: null }] })] })),
    })
    const page = await open('pages/item/item', { id: '18' })
    expect(text(page)).toContain('补充信息审核中：通过后即可申请')
    expect(page.querySelector('.supplement')).toBeUndefined()
  })

  test('a card that cannot be claimed now says why and offers what can be done', async () => {
    const fake = install({
      'GET /items/18': reply(200, f.itemDetail({ mine: [f.standing({ claim: { id: 41, status: 'reviewing' } })] })),
    })
    const page = await open('pages/item/item', { id: '18' })
    expect(page.querySelector('.claim-button')).toBeUndefined() // a second claim would be a 409
    expect(text(page)).toContain('已在办理：审核中，可查看进度')
    await tap(page, '.view-claim')
    expect(fake.calls.navigate).toEqual(['/pages/claim/claim?id=41'])
  })

  test('an item page shared shows the item, not whose standing it was', async () => {
    install({ 'GET /items/18': reply(200, f.itemDetail()) })
    const page = await open('pages/item/item', { id: '18', subject_id: '3' })
    expect(page.instance.onShareAppMessage()).toEqual({ title: '高龄津贴｜政策快享', path: '/pages/item/item?id=18' })
  })

  test('before its window opens, an item says from when', async () => {
    install({
      'GET /items/18': reply(200, f.itemDetail({ open_now: false, apply_from: '2099-03-01T00:00:00+08:00' })),
    })
    const page = await open('pages/item/item', { id: '18' })
    expect(page.querySelector('.claim-button')).toBeUndefined()
    expect(text(page)).toContain('申请期 2099-03-01 起')
  })

  test('with information missing, the department is a tap away', async () => {
    const fake = install({
      'GET /items/18': reply(200, f.itemDetail({ mine: [f.standing({ verdict: 'unknown', missing: [{ fact: 'birth_date', label: '出生日期' }], amount: null })] })),
    })
    const page = await open('pages/item/item', { id: '18' })
    await tap(page, '.call')
    expect(fake.calls.phone).toEqual(['06358452202'])
  })

  test('a guide item shows its guide text; with no identity it asks to bind', async () => {
    install({ 'GET /items/18': reply(200, f.itemDetail({ mode: 'guide', mine: [], guide_text: '请携带身份证到街道便民服务中心办理。' })) })
    const page = await open('pages/item/item', { id: '18' })
    const seen = text(page)
    expect(seen).toContain('办理指引请携带身份证到街道便民服务中心办理。')
    expect(seen).toContain('绑定本人或企业身份后')
    expect(page.querySelector('.claim-button')).toBeUndefined()
  })

  test('an item that is gone shows the error', async () => {
    install({ 'GET /items/18': apiError(404, '政策事项不存在或已下线') })
    const page = await open('pages/item/item', { id: '18' })
    expect(text(page)).toContain('加载失败：政策事项不存在或已下线')
  })
})

describe('政策计算器', () => {
  const answer = {
    subject_type: 'person',
    subject_id: null,
    as_of: '2026-11-27',
    eligible_count: 1,
    unknown_count: 1,
    total_fen: 120000,
    possible_fen: 500000,
    items: [
      { item: { id: 18, code: 'A', name: '高龄津贴', mode: 'auto_grant' }, policy: { id: 8, title: 'x' }, verdict: 'eligible', summary: '符合：年龄 82 周岁', missing: [], near_miss: null, amount: { fen: 10000, period: 'monthly', annual_fen: 120000, trace: ['按月发放，未来 12 个月预计 1,200 元'], missing: [] }, baseline_verdict: null },
      { item: { id: 19, code: 'B', name: '一次性创业补贴', mode: 'one_tap' }, policy: { id: 9, title: 'y' }, verdict: 'unknown', summary: '', missing: [{ fact: 'business_registered_on', label: '创业登记日期' }], near_miss: null, amount: null, baseline_verdict: null },
    ],
  }

  test('what-if facts give the items with amounts, totals and what is missing', async () => {
    const fake = install({ 'GET /me/subjects': reply(200, []), 'POST /calculator': reply(200, answer) })
    const page = await open('pages/calculator/calculator')
    page.instance.onField({ currentTarget: { dataset: { name: 'age' } }, detail: { value: '82' } })
    page.instance.onField({ currentTarget: { dataset: { name: 'household_income_fen' } }, detail: { value: '36000.5' } })
    expect(text(page)).toContain('户籍所在县（市、区）请选择（不选则视为未知）') // no codes to type
    page.instance.onDistrict({ currentTarget: { dataset: { name: 'hukou_district' } }, detail: { value: '7' } })
    expect(text(page)).toContain('临清市')
    await tap(page, '#calculate')
    await settle()
    const sent = fake.calls.request.find((r) => r.path === '/calculator')
    expect(sent.data).toEqual({ subject_type: 'person', facts: { age: 82, hukou_district: '371581', household_income_fen: 3600050 } })
    const seen = text(page)
    expect(seen).toContain('预计每年可享 1,200元')
    expect(seen).toContain('补充后最多再享 5,000元')
    expect(seen).toContain('还需：创业登记日期')
  })

  test('with my identity it sends subject_id and overrides', async () => {
    const fake = install({ 'GET /me/subjects': reply(200, [f.boundSubject()]), 'POST /calculator': reply(200, { ...answer, items: [], eligible_count: 0, unknown_count: 0, total_fen: 0, possible_fen: 0 }) })
    const page = await open('pages/calculator/calculator', { subject_id: '3' })
    page.instance.onField({ currentTarget: { dataset: { name: 'household_size' } }, detail: { value: '3' } })
    await tap(page, '#calculate')
    await settle()
    expect(fake.calls.request.find((r) => r.path === '/calculator').data).toEqual({ subject_id: 3, overrides: { household_size: 3 } })
    expect(text(page)).toContain('暂时没有适用的政策事项')
  })

  test('field errors show beside the field', async () => {
    install({ 'GET /me/subjects': reply(200, []), 'POST /calculator': apiError(422, '指标有误', { 'facts.age': ['应为 0 到 150 之间的整数'] }) })
    const page = await open('pages/calculator/calculator')
    page.instance.onField({ currentTarget: { dataset: { name: 'age' } }, detail: { value: '999' } })
    await tap(page, '#calculate')
    await settle()
    const seen = text(page)
    expect(seen).toContain('应为 0 到 150 之间的整数')
    expect(text(find(page, '#error'))).toBe('指标有误')
  })
})
