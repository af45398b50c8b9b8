// A policy's form ⇄ the API: what a draft may change, and the fields of a new one.
export const TEXT_FIELDS = ['title', 'doc_number', 'summary', 'body', 'interpretation', 'source_url']
export const DATE_FIELDS = ['issued_on', 'effective_from', 'effective_to']

export function policyForm(policy = {}) {
  const form = { categories: [...(policy.categories || [])] }
  for (const name of [...TEXT_FIELDS, ...DATE_FIELDS]) form[name] = policy[name] ?? ''
  return form
}

// The changes to send: only fields that differ from the policy (all of them for a new one);
// an emptied date becomes null, an emptied text is left out when it was empty before.
export function policyChanges(form, policy = null) {
  const changes = {}
  for (const name of TEXT_FIELDS) {
    const value = String(form[name] ?? '').trim()
    if (policy === null ? value : value !== (policy[name] ?? '')) changes[name] = value
  }
  for (const name of DATE_FIELDS) {
    const value = form[name] || null
    if (policy === null ? value : value !== (policy[name] ?? null)) changes[name] = value
  }
  const categories = [...(form.categories || [])]
  if (policy === null || JSON.stringify(categories) !== JSON.stringify(policy.categories || [])) changes.categories = categories
  return changes
}
