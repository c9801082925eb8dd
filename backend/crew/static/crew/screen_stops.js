// Home: how many stops are left and the next one, the ways to identify a bin, the scans
// the server refused, then the whole round (done / to do). What the crew acts on comes
// first: a round of twenty stops must not push the scanner off the screen.
import { both, formatManual, h, replace, weighPath } from './dom.js';
import * as outbox from './outbox.js';
import * as position from './position.js';
import * as sync from './sync.js';
import { EXCEPTIONS } from './screen_weigh.js';

const manualCodes = import('./manual_code.js').catch(() => null);

// "2026-11-30" → "11월 30일 (월)": the day as a crew reads it (the server's local day).
const WEEKDAYS = ['일', '월', '화', '수', '목', '금', '토'];
function dayInWords(isoDay) {
  const [year, month, day] = isoDay.split('-').map(Number);
  const weekday = WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()];
  return `${month}월 ${day}일 (${weekday})`;
}

export async function showStops(context, { notice }) {
  const { screen, navigate, onLeave } = context;
  const summary = h('section', { 'aria-labelledby': 'stops-title' });
  const list = h('section'); // named by its heading once the round is drawn
  const problems = h('section', { 'aria-live': 'polite' });
  const nfcStatus = h('p', { class: 'hint', role: 'status' });
  let nfcAbort = null;

  const ways = h('div', { class: 'ways' },
    h('a', { class: 'button big', href: '/crew/scan', onclick: (event) => { event.preventDefault(); navigate('/crew/scan'); } },
      both('QR 스캔', 'Scan QR')),
    'NDEFReader' in window
      ? h('button', { type: 'button', class: 'big', id: 'nfc', onclick: () => readNfc() }, both('NFC 태그 읽기', 'Read NFC tag'))
      : null,
    nfcStatus,
  );

  const code = h('input', {
    id: 'manual-code', class: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    maxlength: 14, 'aria-describedby': 'manual-code-hint', enterkeyhint: 'go',
  });
  const hint = h('p', { id: 'manual-code-hint', class: 'hint', 'aria-live': 'polite' });
  const manualForm = h('form', { class: 'card', novalidate: true, onsubmit: (event) => { event.preventDefault(); openManual(); } },
    h('label', { for: 'manual-code' }, both('수동 코드 입력', 'Manual code (ABCD-EFGH-K)')),
    h('div', { class: 'row' }, code, h('button', { type: 'submit' }, both('열기', 'Open'))),
    hint,
  );
  code.addEventListener('input', () => checkManual());

  replace(screen,
    notice ? h('p', { class: 'notice', role: 'status', 'data-testid': 'saved' }, notice) : null,
    h('h1', { id: 'stops-title' }, both('오늘의 수거', "Today's stops")),
    problems,
    summary,
    h('h2', {}, both('용기 확인', 'Identify a bin')),
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
      replace(hint, both(`${normalized.length}/9자리`, `${normalized.length} of 9 characters`));
    } else if (normalized.length > 9 || !valid) {
      code.setAttribute('aria-invalid', 'true');
      hint.className = 'hint bad';
      replace(hint, both('코드가 맞지 않습니다. 라벨을 다시 확인해 주세요.', 'The check character does not match: check the label.'));
    } else {
      const bin = await sync.findByManualCode(normalized);
      hint.className = 'hint ok';
      replace(hint, both(`확인됨 ${formatManual(normalized)}`, 'Checked'), bin ? ` · ${bin.restaurant_name}` : '');
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
        replace(nfcStatus, both('주소가 없는 태그입니다.', 'This tag holds no URL.'));
        return;
      }
      nfcAbort.abort();
      navigate(weighPath(url, 'nfc'));
    });
    reader.addEventListener('readingerror', () => {
      replace(nfcStatus, both('태그를 읽지 못했습니다. 다시 대 주세요.', 'Could not read the tag; try again.'));
    });
    try {
      await reader.scan({ signal: nfcAbort.signal });
      replace(nfcStatus, both('태그를 휴대폰 뒷면에 대 주세요.', 'Hold the tag to the back of the phone.'));
    } catch (error) {
      replace(nfcStatus, both('NFC를 쓸 수 없습니다. NFC를 켜고 권한을 허용해 주세요.', 'NFC is off or not allowed.'));
    }
  }
  onLeave(() => nfcAbort?.abort());

  async function drawStops() {
    const [answer, entries] = await Promise.all([sync.cachedStops(), outbox.entries()]);
    if (!answer) {
      replace(summary, h('p', { class: 'card' }, navigator.onLine
        ? both('오늘의 수거 목록을 불러오는 중입니다.', "Loading today's stops.")
        : both('오늘의 수거 목록을 아직 받지 못했습니다. 연결되면 불러옵니다.', "Today's stops load when connected.")));
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
      h('p', { class: 'left', 'data-testid': 'left' }, both(`남은 곳 ${left}`, `${left} left of ${stops.length}`), ` · ${dayInWords(answer.day)}`),
      next
        ? h('div', { class: 'card next', 'data-testid': 'next' },
          h('strong', {}, both('다음', 'Next')), h('br'),
          h('span', { class: 'name' }, next.restaurant_name), ` · ${next.bin_label || ''}`, h('br'),
          h('span', { class: 'muted' }, next.address || ''))
        : h('p', { class: 'notice' }, both('오늘 수거를 모두 마쳤습니다.', 'All stops done today.')),
    );
    list.setAttribute('aria-labelledby', 'round-title');
    replace(list,
      h('h2', { id: 'round-title' }, both('전체 수거 목록', 'The whole round')),
      h('ol', { class: 'stops', 'data-testid': 'stops' }, stops.map((stop) => h('li', { class: stop.done ? 'done' : '' },
        h('span', { class: 'name' }, stop.restaurant_name),
        h('span', { class: stop.done ? 'badge done' : 'badge' }, stop.done ? both('완료', 'Done') : both('남음', 'To do')),
        h('span', { class: 'where' }, [stop.bin_label, stop.address].filter(Boolean).join(' · ')),
        stop.reason === 'pickup_request' ? h('span', { class: 'badge pickup' }, both('추가 수거', 'Pickup request')) : null,
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
      h('h2', { id: 'rejected-title' }, both('전송 거부', 'Refused by the server')),
      h('ul', { class: 'stops rejected', 'data-testid': 'rejected', 'aria-labelledby': 'rejected-title' },
        refused.map((entry) => h('li', {},
          h('span', { class: 'name' }, entry.label || (entry.event.source === 'manual' ? formatManual(entry.event.tag) : entry.event.tag)),
          ' · ', entry.event.weight_kg ? `${entry.event.weight_kg} kg` : exceptionName(entry.event.exception_code), h('br'),
          h('span', { class: 'error' }, entry.error?.message || entry.error?.code || ''),
          h('button', { type: 'button', class: 'secondary', onclick: () => outbox.dismiss(entry.id) },
            both('확인했습니다', 'Dismiss')))),
        failedPhotos.map((photo) => h('li', {},
          both('사진을 올리지 못했습니다', 'Photo not attached'), h('br'),
          h('span', { class: 'error' }, photo.error?.message || photo.error?.code || ''),
          h('button', { type: 'button', class: 'secondary', onclick: () => outbox.dismissPhoto(photo.photo_id) },
            both('확인했습니다', 'Dismiss'))))));
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
  return known ? both(known[1], known[2]) : code;
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
