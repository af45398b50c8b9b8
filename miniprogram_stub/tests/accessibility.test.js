// Readable by an 80-year-old, usable with a screen reader: every WXSS and WXML is read and the
// test fails on a font below 16 px, a text colour below 4.5:1 against its background, a mini
// button, a tappable that is not announced as a button with a label, or one smaller than 44 px.
// 750 rpx is the screen's width, 375 px on the phones WeChat designs for: 1 px = 2 rpx.
const fs = require('fs')
const path = require('path')
const { ROOT } = require('./helpers/page')

const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
// every page, and every component a page uses
const COMPONENTS = fs.readdirSync(path.join(ROOT, 'components')).map((name) => `components/${name}/${name}`)
const VIEWS = [...app.pages, ...COMPONENTS]
const WXSS = ['app.wxss', ...VIEWS.map((view) => `${view}.wxss`)]
const WXML = VIEWS.map((view) => `${view}.wxml`)
const PAGE_BACKGROUNDS = ['#f6f6f6', '#ffffff'] // the page and a card: text sits on either
const MIN_FONT_PX = 16
const MIN_TARGET_PX = 44
const MIN_CONTRAST = 4.5

const read = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8')

// rem: the page-meta root is WeChat's text size, at least 17 px; counted at 16 px, the root a page
// has where page-meta is not supported (base library < 2.11), so a size passes either way.
const ROOT_PX = 16

function px(value) {
  const match = /^(-?[\d.]+)(rpx|px|rem)$/.exec(String(value).trim())
  if (!match) return null
  if (match[2] === 'rem') return Number(match[1]) * ROOT_PX
  return match[2] === 'rpx' ? Number(match[1]) / 2 : Number(match[1])
}

// Every rule of a stylesheet: its selectors and declarations (comments dropped).
function rules(css) {
  const found = []
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '')
  const pattern = /([^{}]+)\{([^}]*)\}/g
  let match
  while ((match = pattern.exec(text))) {
    const declarations = {}
    match[2].split(';').forEach((part) => {
      const colon = part.indexOf(':')
      if (colon > 0) declarations[part.slice(0, colon).trim()] = part.slice(colon + 1).replace('!important', '').trim()
    })
    found.push({ selectors: match[1].split(',').map((s) => s.trim()), declarations })
  }
  return found
}

function luminance(hex) {
  const value = hex.replace('#', '')
  const full = value.length === 3 ? value.split('').map((c) => c + c).join('') : value
  const channels = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255)
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

function contrast(a, b) {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (light + 0.05) / (dark + 0.05)
}

const all = WXSS.flatMap((file) => rules(read(file)).map((rule) => ({ ...rule, file })))

test('every font is at least 16 px', () => {
  const small = all
    .filter((rule) => rule.declarations['font-size'] && px(rule.declarations['font-size']) < MIN_FONT_PX)
    .map((rule) => `${rule.file} ${rule.selectors.join(',')}: ${rule.declarations['font-size']}`)
  expect(small).toEqual([])
})

test('every page follows WeChat\'s text size: page-meta first, sizes in rem', () => {
  app.pages.forEach((page) => {
    const first = read(`${page}.wxml`).trim().split('\n')[0]
    expect([page, first]).toEqual([page, '<page-meta page-font-size="{{fontSize}}" root-font-size="{{fontSize}}" />'])
  })
  const fixed = all.filter((rule) => rule.declarations['font-size'] && !/rem$/.test(rule.declarations['font-size']) && !rule.selectors.includes('page'))
  expect(fixed.map((rule) => `${rule.file} ${rule.selectors.join(',')}: ${rule.declarations['font-size']}`)).toEqual([])
})

test('every text colour stands out 4.5:1 from its background', () => {
  const faint = []
  all.forEach((rule) => {
    const colour = rule.declarations.color
    if (!colour || !/^#[0-9a-f]{3,6}$/i.test(colour)) return
    const own = rule.declarations.background || rule.declarations['background-color']
    const behind = own && /^#[0-9a-f]{3,6}$/i.test(own) ? [own] : PAGE_BACKGROUNDS
    behind.forEach((background) => {
      const ratio = contrast(colour, background)
      if (ratio < MIN_CONTRAST) faint.push(`${rule.file} ${rule.selectors.join(',')}: ${colour} on ${background} ${ratio.toFixed(2)}:1`)
    })
  })
  expect(faint).toEqual([])
})

// The tappable elements of a WXML file: tag, attributes, classes.
function tappables(wxml) {
  const found = []
  const pattern = /<(\w[\w-]*)\s([^>]*?\b(?:bindtap|catchtap)=[^>]*?)\/?>/g
  let match
  while ((match = pattern.exec(wxml))) {
    const attrs = match[2]
    const classes = (/\bclass="([^"]*)"/.exec(attrs) || [, ''])[1]
      .replace(/\{\{[^}]*\}\}/g, ' ')
      .split(/\s+/)
      .filter(Boolean)
    found.push({ tag: match[1], attrs, classes })
  }
  return found
}

const minHeights = {}
all.forEach((rule) => {
  const height = px(rule.declarations['min-height'] || '')
  if (height === null) return
  rule.selectors.forEach((selector) => {
    const last = /\.([\w-]+)$/.exec(selector)
    if (last) minHeights[last[1]] = Math.max(minHeights[last[1]] || 0, height)
  })
})

test('no mini buttons: every button is full height', () => {
  const mini = WXML.filter((file) => /size="mini"/.test(read(file)))
  expect(mini).toEqual([])
})

test('every tappable is announced as a button with a label and is at least 44 px tall', () => {
  const problems = []
  WXML.forEach((file) => {
    tappables(read(file)).forEach(({ tag, attrs, classes }) => {
      if (tag === 'button') return // WeChat's own: a button, 46 px, its text the label
      const where = `${file} <${tag} class="${classes.join(' ')}">`
      if (!/\baria-role="button"/.test(attrs)) problems.push(`${where}: no aria-role="button"`)
      if (!/\baria-label="[^"]+"/.test(attrs)) problems.push(`${where}: no aria-label`)
      const tall = classes.some((name) => (minHeights[name] || 0) >= MIN_TARGET_PX)
      if (!tall) problems.push(`${where}: no class gives min-height ≥ ${MIN_TARGET_PX}px`)
    })
  })
  expect(problems).toEqual([])
})

test('glyphs (✓ ✗ ›) are hidden from screen readers, a text says the same', () => {
  const bare = []
  WXML.forEach((file) => {
    const text = read(file)
    const pattern = /<(\w+)([^>]*)>([^<]*[✓✗›][^<]*)</g
    let match
    while ((match = pattern.exec(text))) {
      if (!/aria-hidden="true"/.test(match[2])) bare.push(`${file}: ${match[3].trim()}`)
    }
  })
  expect(bare).toEqual([])
})

test('in 长辈版 everything is at least 20 px and every target taller', () => {
  const care = all.filter((rule) => rule.selectors.some((selector) => /(^|\s)\.care\b/.test(selector)))
  const everything = care.find((rule) => ['.care view', '.care text', '.care button', '.care input'].every((s) => rule.selectors.includes(s)))
  expect(everything && px(everything.declarations['font-size'])).toBeGreaterThanOrEqual(20)
  const small = care.filter((rule) => rule.declarations['font-size'] && px(rule.declarations['font-size']) < 20)
  expect(small.map((rule) => rule.selectors.join(','))).toEqual([])
  const targets = care.find((rule) => rule.selectors.includes('.care button') && rule.declarations['min-height'])
  expect(px(targets.declarations['min-height'])).toBeGreaterThanOrEqual(MIN_TARGET_PX + 10)
  // a page's root view, and a component's (page styles do not reach into a component's tree)
  WXML.forEach((file) => {
    const root = file.startsWith('components/') ? /^<view [^>]*class="[^"]*\{\{care \? 'care' : ''\}\}"/ : /<view class="page \{\{care \? 'care' : ''\}\}">/
    expect([file, root.test(read(file))]).toEqual([file, true])
  })
})

test('the check itself catches what it should', () => {
  expect(px('30rpx')).toBe(15)
  expect(px('0.9rem')).toBeLessThan(MIN_FONT_PX)
  expect(contrast('#888888', '#f6f6f6')).toBeLessThan(MIN_CONTRAST)
  expect(contrast('#222222', '#ffffff')).toBeGreaterThan(MIN_CONTRAST)
  expect(tappables('<view class="a {{x}} b" bindtap="go" aria-role="button">')[0].classes).toEqual(['a', 'b'])
})
