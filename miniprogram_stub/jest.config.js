// Offline tests: miniprogram-simulate renders the pages in jsdom with a stubbed `wx`.
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.js'],
  testTimeout: 30000,
}
