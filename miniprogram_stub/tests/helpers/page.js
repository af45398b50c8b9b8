// Open a page the way WeChat would: load it once per test file with miniprogram-simulate (the
// official WXML compiler, so a broken template fails here), render it, attach it, call onLoad
// with the page's query, and wait for its requests to settle.
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '../..')
const loaded = {}

function pagePath(route) {
  return path.join(ROOT, route)
}

function load(route) {
  if (!loaded[route]) loaded[route] = simulate.load(pagePath(route), { rootPath: ROOT })
  return loaded[route]
}

async function settle(rounds = 8) {
  for (let i = 0; i < rounds; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}

async function open(route, query = {}) {
  const page = simulate.render(load(route))
  page.attach(document.createElement('parent-wrapper'))
  const loading = page.instance.onLoad(query)
  await settle()
  await loading
  await settle()
  return page
}

// What a resident reads on the page, whitespace folded.
function text(node) {
  return (node.dom.textContent || '').replace(/\s+/g, ' ').trim()
}

function find(page, selector) {
  const node = page.querySelector(selector)
  if (!node) throw new Error(`nothing matches ${selector}`)
  return node
}

// A tap as WeChat's touch events make it (a bare 'tap' event does not reach bindtap).
async function tap(page, selector) {
  const node = find(page, selector)
  node.dispatchEvent('touchstart')
  node.dispatchEvent('touchend')
  await settle()
  return node
}

module.exports = { ROOT, load, open, settle, text, find, tap }
