// The project as WeChat's tools would read it: every page has its four files, all JSON parses,
// every WXML compiles with the official compiler, every page registers a Component, and pages
// reach the network only through utils/api.js.
const fs = require('fs')
const os = require('os')
const path = require('path')
const compiler = require('miniprogram-compiler')
const { ROOT, load } = require('./helpers/page')
const endpoints = require('../utils/endpoints')
const nav = require('../utils/nav')

const readJson = (file) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'))
const app = readJson('app.json')

function sources(dir) {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name)
    return entry.isDirectory() ? sources(rel) : [rel]
  })
}

test('app.json lists the thirteen pages, each with .js .json .wxml .wxss', () => {
  expect(app.pages).toHaveLength(13)
  app.pages.forEach((page) => {
    ;['js', 'json', 'wxml', 'wxss'].forEach((ext) => {
      expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true)
    })
  })
})

test('every tab has an icon of our own, a PNG under 40 KB as WeChat requires', () => {
  app.tabBar.list.forEach((tab) => {
    ;[tab.iconPath, tab.selectedIconPath].forEach((icon) => {
      const file = path.join(ROOT, icon)
      expect(fs.existsSync(file)).toBe(true)
      const bytes = fs.readFileSync(file)
      expect(bytes.subarray(1, 4).toString()).toBe('PNG')
      expect(bytes.length).toBeLessThan(40 * 1024)
    })
  })
})

test('every JSON file parses', () => {
  const files = ['app.json', 'project.config.json', 'sitemap.json', 'package.json']
    .concat(app.pages.map((page) => `${page}.json`))
  files.forEach((file) => expect(() => readJson(file)).not.toThrow())
  expect(readJson('project.config.json').compileType).toBe('miniprogram')
  expect(fs.existsSync(path.join(ROOT, app.sitemapLocation))).toBe(true)
})

test('the tab bar pages are in app.json and are opened with switchTab', () => {
  const tabs = app.tabBar.list.map((tab) => tab.pagePath)
  tabs.forEach((tab) => expect(app.pages).toContain(tab))
  expect(nav.TAB_PAGES.slice().sort()).toEqual(tabs.slice().sort())
})

test('every WXML compiles with the official compiler', () => {
  expect(() => compiler.wxmlToJs(ROOT)).not.toThrow()
})

test('a broken WXML fails the compiler (the check above can fail)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kx-wxml-'))
  fs.mkdirSync(path.join(dir, 'pages'))
  fs.writeFileSync(path.join(dir, 'pages', 'bad.wxml'), '<view><text>坏的</vieww>')
  fs.writeFileSync(path.join(dir, 'pages', 'bad.json'), '{}')
  try {
    expect(() => compiler.wxmlToJs(dir)).toThrow()
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('every page loads in miniprogram-simulate as a Component', () => {
  app.pages.forEach((page) => expect(typeof load(page)).toBe('string'))
})

test('pages call the API only through utils/api.js, by names listed in endpoints.js', () => {
  const pageFiles = sources('pages').filter((file) => file.endsWith('.js'))
  pageFiles.forEach((file) => {
    const code = fs.readFileSync(path.join(ROOT, file), 'utf8')
    expect(code).not.toMatch(/wx\.(request|uploadFile)\s*\(/)
    expect(code).not.toMatch(/['"`]\/(api|auth|me|claims|items|policies)\b/)
    const names = [...code.matchAll(/api\.(?:call|page|uploadFile)\(\s*'([^']+)'/g)].map((m) => m[1])
    names.forEach((name) => expect(Object.keys(endpoints)).toContain(name))
  })
  const utilFiles = sources('utils').filter((file) => file.endsWith('.js') && !file.endsWith('http.js'))
  utilFiles.forEach((file) => {
    expect(fs.readFileSync(path.join(ROOT, file), 'utf8')).not.toMatch(/wx\.(request|uploadFile)\s*\(/)
  })
})

test('every endpoint is well formed', () => {
  Object.entries(endpoints).forEach(([name, spec]) => {
    expect(['GET', 'POST', 'DELETE', 'PATCH', 'PUT']).toContain(spec.method)
    expect(spec.path).toMatch(/^\/[a-z0-9/{}_-]+$/)
    ;['query', 'body', 'multipart', 'headers'].forEach((kind) => {
      if (spec[kind]) expect(Array.isArray(spec[kind])).toBe(true)
    })
    if (spec.method === 'GET') expect(spec.body).toBeUndefined()
    expect(name).toMatch(/^[a-zA-Z]+$/)
  })
})
