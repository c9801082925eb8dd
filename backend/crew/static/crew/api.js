// The app's calls to the API: the session cookie, the CSRF header, and errors sorted by
// what the app does about them.
export class ApiError extends Error {
  // kind: 'network' (no answer: retry later), 'auth' (signed out: ask to sign in),
  // 'server' (5xx or 429: retry later), 'refused' (another 4xx: the answer is final).
  constructor(kind, status, body) {
    super(body?.error?.message || `${kind} ${status || ''}`.trim());
    this.kind = kind;
    this.status = status;
    this.code = body?.error?.code || null;
    this.body = body;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : '';
}

export async function request(method, url, { json, form } = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  if (method !== 'GET') headers['X-CSRFToken'] = csrfToken();
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: 'same-origin', cache: 'no-store', redirect: 'manual' });
  } catch (error) {
    throw new ApiError('network', 0, null);
  }
  let answer = null;
  try { answer = await response.json(); } catch (error) { answer = null; }
  // Signed out (or the session expired, or a CSRF token from before): sign in again.
  if (response.type === 'opaqueredirect' || response.status === 401 || response.status === 403) {
    throw new ApiError('auth', response.status, answer);
  }
  if (response.status === 429 || response.status >= 500) throw new ApiError('server', response.status, answer);
  if (!response.ok) throw new ApiError('refused', response.status, answer);
  return { status: response.status, body: answer };
}

export const getJson = async (url) => (await request('GET', url)).body;
