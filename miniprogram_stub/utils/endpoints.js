// Every request the mini-program can make, and nothing else: pages call through utils/api.js,
// which refuses fields not listed here, and tests/test_miniprogram.py checks each entry against
// the backend's OpenAPI document (paths are under /api/v1).
//   query / body / multipart: the fields this client may send; headers: request headers it sets;
//   paginated: pagination comes back in the X-Pagination header (flask-smorest).
module.exports = {
  login: { method: 'POST', path: '/auth/wechat', body: ['code'], auth: false },
  refresh: { method: 'POST', path: '/auth/refresh', body: ['refresh_token'], auth: false },
  logout: { method: 'POST', path: '/auth/logout', body: ['refresh_token'], auth: false },

  me: { method: 'GET', path: '/me' },
  privacy: { method: 'GET', path: '/privacy', auth: false },
  consents: { method: 'GET', path: '/me/consents' },
  grantConsent: { method: 'POST', path: '/me/consents', body: ['purpose', 'version'] },
  withdrawConsent: { method: 'DELETE', path: '/me/consents/{purpose}' },
  supplements: { method: 'GET', path: '/me/supplements', query: ['subject_id'] },
  declareFact: {
    method: 'POST',
    path: '/me/supplements',
    body: ['subject_id', 'item_id', 'fact', 'value', 'material_ids', 'note'],
  },
  facts: { method: 'GET', path: '/facts', query: ['subject_type'], auth: false },
  bindPhone: { method: 'POST', path: '/me/phone', body: ['code'] },
  subjects: { method: 'GET', path: '/me/subjects' },
  bindSubject: {
    method: 'POST',
    path: '/me/subjects',
    body: ['kind', 'name', 'id_number', 'uscc', 'relation', 'representative'],
  },
  unbindSubject: { method: 'DELETE', path: '/me/subjects/{subject_id}' },
  matches: { method: 'GET', path: '/me/matches', query: ['page', 'page_size'], paginated: true },
  summary: { method: 'GET', path: '/me/summary' },

  policies: {
    method: 'GET',
    path: '/policies',
    query: ['q', 'department_id', 'category', 'page', 'page_size'],
    paginated: true,
  },
  policy: { method: 'GET', path: '/policies/{policy_id}' },
  items: {
    method: 'GET',
    path: '/items',
    query: ['q', 'department_id', 'category', 'subject_type', 'mode', 'open_now', 'district', 'page', 'page_size'],
    paginated: true,
  },
  item: { method: 'GET', path: '/items/{item_id}' },
  ask: { method: 'POST', path: '/ask', body: ['question'] },
  askFeedback: { method: 'POST', path: '/ask/{question_id}/feedback', body: ['useful', 'comment'], auth: false },
  calculate: { method: 'POST', path: '/calculator', body: ['subject_type', 'facts', 'subject_id', 'overrides'] },

  submitClaim: {
    method: 'POST',
    path: '/claims',
    body: ['item_id', 'subject_id', 'form', 'material_ids', 'use_account_phone'],
    headers: ['Idempotency-Key'],
  },
  uploadMaterial: { method: 'POST', path: '/claims/materials', multipart: ['file', 'name'] },
  claims: { method: 'GET', path: '/claims', query: ['page', 'page_size'], paginated: true },
  claim: { method: 'GET', path: '/claims/{claim_id}' },
  withdrawClaim: { method: 'POST', path: '/claims/{claim_id}/withdraw' },
  rateClaim: { method: 'POST', path: '/claims/{claim_id}/rating', body: ['score', 'comment'] },
  resubmitClaim: { method: 'POST', path: '/claims/{claim_id}/resubmit', body: ['form', 'material_ids'] },

  grants: { method: 'GET', path: '/me/grants', query: ['page', 'page_size'], paginated: true },
  confirmGrant: { method: 'POST', path: '/me/grants/{grant_id}/confirm', body: ['bank_card'] },
  declineGrant: { method: 'POST', path: '/me/grants/{grant_id}/decline' },

  subscriptionTemplates: { method: 'GET', path: '/me/subscriptions/templates', query: ['scene'] },
  reportSubscriptions: { method: 'POST', path: '/me/subscriptions', body: ['results'] },

  messages: { method: 'GET', path: '/me/messages', query: ['page', 'page_size'], paginated: true },
  deleteMe: { method: 'DELETE', path: '/me' },
  unreadCount: { method: 'GET', path: '/me/messages/unread-count' },
  readMessage: { method: 'POST', path: '/me/messages/{message_id}/read' },
  readAllMessages: { method: 'POST', path: '/me/messages/read-all' },
}
