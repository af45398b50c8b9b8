// Choosing a material: a photo from the camera or the album (compressed), or a file from a chat.
// Resolves {path, size, name}, or null when the resident cancelled; rejects with the words to show
// when they declined WeChat's privacy authorization (utils/privacy.js).
const privacy = require('./privacy')

const DECLINED = '您未同意隐私保护指引，无法拍照或选择文件；可在弹窗中同意后重试'

function failed(resolve, reject) {
  return (error) => (privacy.refused(error) ? reject(new Error(DECLINED)) : resolve(null))
}

function choosePhoto() {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sourceType: ['camera', 'album'],
      sizeType: ['compressed'],
      success: (res) => {
        const chosen = res.tempFiles && res.tempFiles[0]
        resolve(chosen ? { path: chosen.tempFilePath, size: chosen.size, name: '照片.jpg' } : null)
      },
      fail: failed(resolve, reject),
    })
  })
}

function chooseFile(types = []) {
  return new Promise((resolve, reject) => {
    wx.chooseMessageFile({
      count: 1,
      type: 'file',
      extension: types.length ? types : undefined,
      success: (res) => resolve((res.tempFiles && res.tempFiles[0]) || null),
      fail: failed(resolve, reject),
    })
  })
}

module.exports = { choosePhoto, chooseFile, DECLINED }
