// Home: how many stops are left and the next one, the ways to identify a bin, the scans
// the server refused, then the whole round (done / to do). What the crew acts on comes
// first: a round of twenty stops must not push the scanner off the screen.
import { formatManual, h, registered, replace, weighPath } from './dom.js';
import { day, kg, number, t } from './i18n.js';
import * as outbox from './outbox.js';
import * as position from './position.js';
import * as sync from './sync.js';
import { EXCEPTIONS, savedNotice } from './screen_weigh.js';

const manualCodes = import('./manual_code.js').catch(() => null);

export async function showStops(context, { notice }) {
  const { screen, navigate, onLeave } = context;
  const summary = h('section', { 'aria-labelledby': 'stops-title' });
  const list = h('section'); // named by its heading once the round is drawn
  const problems = h('section', { 'aria-live': 'polite' });
  const nfcStatus = h('p', { class: 'hint', role: 'status' });
  let nfcAbort = null;

  const ways = h('div', { class: 'ways' },
    h('a', { class: 'button big', href: '/crew/scan', onclick: (event) => { event.preventDefault(); navigate('/crew/scan'); } },
      t('Scan QR')),
    'NDEFReader' in window
      ? h('button', { type: 'button', class: 'big', id: 'nfc', onclick: () => readNfc() }, t('Read NFC tag'))
      : null,
    nfcStatus,
  );

  const code = h('input', {
    id: 'manual-code', class: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    maxlength: 14, 'aria-describedby': 'manual-code-hint', enterkeyhint: 'go',
  });
  const hint = h('p', { id: 'manual-code-hint', class: 'hint', 'aria-live': 'polite' });
  const manualForm = h('form', { class: 'card', novalidate: true, onsubmit: (event) => { event.preventDefault(); openManual(); } },
    h('label', { for: 'manual-code' }, t('Manual code (ABCD-EFGH-K)')),
    h('div', { class: 'row' }, code, h('button', { type: 'submit' }, t('Open'))),
    hint,
  );
  code.addEventListener('input', () => checkManual());

  replace(screen,
    notice ? h('p', { class: 'notice', role: 'status', 'data-testid': 'saved' }, savedNotice(notice)) : null,
    h('h1', { id: 'stops-title' }, t("Today's stops")),
    problems,
    summary,
    h('h2', {}, t('Identify a bin')),
    ways,
    manualForm,
    list,
  );

  async function parseManual() {
    const module = await manualCodes;
    const text = code.value;
    const normalized = module ? module.normalize(text) : text.replace(/[\s-]/g, '').toUpperCase();
    return { normalized, valid: module ? module.isValid(normalized) : normalized.length === 9 };
  }

  async function checkManual() {
    const { normalized, valid } = await parseManual();
    code.removeAttribute('aria-invalid');
    hint.className = 'hint';
    if (!normalized) {
      replace(hint);
    } else if (normalized.length < 9) {
      replace(hint, t('%(count)s of 9 characters', { count: number(normalized.length) }));
    } else if (normalized.length > 9 || !valid) {
      code.setAttribute('aria-invalid', 'true');
      hint.className = 'hint bad';
      replace(hint, t('The check character does not match: check the label.'));
    } else {
      const bin = await sync.findByManualCode(normalized);
      hint.className = 'hint ok';
      replace(hint, t('Checked %(code)s', { code: formatManual(normalized) }), bin ? [' · ', registered(bin.restaurant_name)] : '');
    }
  }

  async function openManual() {
    const { normalized, valid } = await parseManual();
    if (normalized.length !== 9 || !valid) {
      await checkManual();
      code.focus();
      return;
    }
    navigate(weighPath(normalized, 'manual'));
  }

  async function readNfc() {
    nfcAbort?.abort();
    nfcAbort = new AbortController();
    const reader = new window.NDEFReader();
    reader.addEventListener('reading', (event) => {
      const url = tagUrl(event.message);
      if (!url) {
        replace(nfcStatus, t('This tag holds no web address.'));
        return;
      }
      nfcAbort.abort();
      navigate(weighPath(url, 'nfc'));
    });
    reader.addEventListener('readingerror', () => {
      replace(nfcStatus, t('Could not read the tag: hold it again.'));
    });
    try {
      await reader.scan({ signal: nfcAbort.signal });
      replace(nfcStatus, t('Hold the tag to the back of the phone.'));
    } catch (error) {
      replace(nfcStatus, t('NFC cannot be used: turn NFC on and allow it.'));
    }
  }
  onLeave(() => nfcAbort?.abort());

  async function drawStops() {
    const [answer, entries] = await Promise.all([sync.cachedStops(), outbox.entries()]);
    if (!answer) {
      replace(summary, h('p', { class: 'card' }, navigator.onLine
        ? t("Loading today's stops.")
        : t("Today's stops are not on the phone yet; they load when connected.")));
      replace(list);
      list.removeAttribute('aria-labelledby'); // no heading to name it by
      return;
    }
    // A stop is done when the server says so, or when this phone holds a scan of its bin today.
    const scanned = new Set(entries.filter((e) => e.state !== 'rejected' && e.day === answer.day).map((e) => e.bin_id));
    const stops = answer.stops.map((stop) => ({ ...stop, done: stop.done || scanned.has(stop.bin_id) }));
    const left = stops.filter((stop) => !stop.done).length;
    const next = stops.find((stop) => !stop.done);
    replace(summary,
      h('p', { class: 'left', 'data-testid': 'left' }, t('%(left)s left of %(total)s', { left: number(left), total: number(stops.length) }), ` · ${day(answer.day)}`),
      next
        ? h('div', { class: 'card next', 'data-testid': 'next' },
          h('strong', {}, t('Next')), h('br'),
          h('span', { class: 'name', lang: 'ko' }, next.restaurant_name), next.bin_label ? [' · ', registered(next.bin_label)] : '', h('br'),
          h('span', { class: 'muted', lang: 'ko' }, next.address || ''))
        : h('p', { class: 'notice' }, t("All of today's stops are done.")),
    );
    list.setAttribute('aria-labelledby', 'round-title');
    replace(list,
      h('h2', { id: 'round-title' }, t('The whole round')),
      h('ol', { class: 'stops', 'data-testid': 'stops' }, stops.map((stop) => h('li', { class: stop.done ? 'done' : '' },
        h('span', { class: 'name', lang: 'ko' }, stop.restaurant_name),
        h('span', { class: stop.done ? 'badge done' : 'badge' }, stop.done ? t('Done') : t('To do')),
        h('span', { class: 'where', lang: 'ko' }, [stop.bin_label, stop.address].filter(Boolean).join(' · ')),
        stop.reason === 'pickup_request' ? h('span', { class: 'badge pickup' }, t('Pickup request')) : null,
      ))),
    );
  }

  async function drawProblems() {
    const [refused, photos] = await Promise.all([outbox.rejected(), outbox.photos()]);
    const failedPhotos = photos.filter((photo) => photo.state === 'failed');
    if (!refused.length && !failedPhotos.length) {
      replace(problems);
      return;
    }
    replace(problems,
      h('h2', { id: 'rejected-title' }, t('Refused by the server')),
      h('ul', { class: 'stops rejected', 'data-testid': 'rejected', 'aria-labelledby': 'rejected-title' },
        refused.map((entry) => h('li', {},
          entry.label
            ? h('span', { class: 'name', lang: 'ko' }, entry.label)
            : h('span', { class: 'name' }, entry.event.source === 'manual' ? formatManual(entry.event.tag) : entry.event.tag),
          ' · ', entry.event.weight_kg ? kg(entry.event.weight_kg) : exceptionName(entry.event.exception_code), h('br'),
          serverMessage(entry.error),
          h('button', { type: 'button', class: 'secondary', onclick: () => outbox.dismiss(entry.id) }, t('Dismiss')))),
        failedPhotos.map((photo) => h('li', {},
          t('The photo could not be attached'), h('br'),
          serverMessage(photo.error),
          h('button', { type: 'button', class: 'secondary', onclick: () => outbox.dismissPhoto(photo.photo_id) }, t('Dismiss'))))));
  }

  const redraw = () => { drawStops(); drawProblems(); };
  outbox.changes.addEventListener('change', redraw);
  sync.status.addEventListener('stops', redraw);
  onLeave(() => {
    nfcAbort?.abort();
    outbox.changes.removeEventListener('change', redraw);
    sync.status.removeEventListener('stops', redraw);
  });
  await Promise.all([drawStops(), drawProblems()]);
  sync.refreshStops(position.current());
}

function exceptionName(code) {
  const known = EXCEPTIONS.find(([name]) => name === code);
  return known ? known[1] : code;
}

// The server's reason, in the language the phone was using when the server gave it
// (kept with the refusal: the crew may have switched since).
function serverMessage(error) {
  return h('span', { class: 'error', lang: error?.lang || null }, error?.message || error?.code || '');
}

// The tag's URL from an NDEF message, whole (its SUN query parameters included).
function tagUrl(message) {
  for (const record of message?.records || []) {
    if (record.recordType === 'url' || record.recordType === 'absolute-url') {
      return new TextDecoder().decode(record.data);
    }
  }
  return null;
}
