// Subscribe-message prompts. WeChat shows the popup only when wx.requestSubscribeMessage runs in
// a tap handler with nothing asynchronous before it — never from another popup's callback — so a
// page calls prepare(scene) when it loads (GET /me/subscriptions/templates?scene=…) and ask(scene)
// from the tap: ONE popup per tap, with the group that matters most (at most 3 template ids, the
// documented limit of one call; one-time and long-term never mixed). The next tap asks the next
// group; a group WeChat refused to show is asked again first. What the resident chose is reported
// to POST /me/subscriptions.
const api = require('./api')

const MAX_PER_CALL = 3
const ANSWERS = ['accept', 'reject', 'ban', 'filter', 'acceptWithAudio', 'acceptWithAlert']

const prepared = {} // scene → {groups: [[id…]…]} once loaded
const loading = {} // scene → promise
const pending = {} // scene → groups not yet shown

// The answer's template groups as lists of ids (field access for this endpoint lives here):
// {scene, groups: [[{template_id, kind, title, long_term, remaining}, …], …]}, most needed first.
function groupsFrom(answer) {
  const list = (answer && answer.groups) || []
  return list
    .map((group) => (group || []).map((template) => template.template_id).filter(Boolean))
    .filter((ids) => ids.length)
    .reduce((all, ids) => {
      for (let i = 0; i < ids.length; i += MAX_PER_CALL) all.push(ids.slice(i, i + MAX_PER_CALL))
      return all
    }, [])
}

function prepare(scene) {
  if (prepared[scene]) return Promise.resolve(prepared[scene])
  if (!loading[scene]) {
    loading[scene] = api
      .call('subscriptionTemplates', { query: { scene }, silent: true })
      .then((answer) => {
        prepared[scene] = { groups: groupsFrom(answer) }
        return prepared[scene]
      })
      .finally(() => {
        delete loading[scene]
      })
  }
  return loading[scene]
}

function isReady(scene) {
  return !!(prepared[scene] && prepared[scene].groups.length)
}

// Keep only the per-template answers of a popup's success result.
function answersOf(result, ids) {
  const answers = {}
  ids.forEach((id) => {
    if (ANSWERS.indexOf(result[id]) >= 0) answers[id] = result[id]
  })
  return answers
}

function report(results) {
  if (!Object.keys(results).length) return Promise.resolve(null)
  return api.call('reportSubscriptions', { body: { results }, silent: true }).catch(() => null)
}

// Call from a tap handler, synchronously. Resolves to {asked, results, reported, left, notReady}:
// `left` is how many groups later taps can still ask this round.
function ask(scene) {
  if (!isReady(scene)) {
    prepare(scene).catch(() => null)
    wx.showToast({ title: '订阅准备中，请稍后再点一次', icon: 'none' })
    return Promise.resolve({ asked: 0, results: {}, left: 0, notReady: true })
  }
  const order = pending[scene] && pending[scene].length ? pending[scene] : prepared[scene].groups
  const ids = order[0]
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (result) => {
        const results = answersOf(result || {}, ids)
        pending[scene] = order.slice(1)
        report(results).then((reported) => resolve({ asked: 1, results, reported: !!reported, left: pending[scene].length }))
      },
      fail: () => {
        pending[scene] = order // not shown: the same group first on the next tap
        resolve({ asked: 0, results: {}, reported: false, left: order.length })
      },
    })
  })
}

function reset() {
  Object.keys(prepared).forEach((key) => delete prepared[key])
  Object.keys(pending).forEach((key) => delete pending[key])
}

module.exports = { prepare, isReady, ask, groupsFrom, reset, MAX_PER_CALL }
