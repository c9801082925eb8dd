// The weighing screen: the bin, the weight (or one exception, with an optional photo),
// saved to the outbox first. The visit's UUID and time are made once, when the screen
// opens, and kept in the history entry: a second tap, a retry or a reload of this
// screen saves the same event, never a second scan.
import { both, formatManual, h, replace } from './dom.js';
import * as outbox from './outbox.js';
import * as position from './position.js';
import * as sync from './sync.js';

export const EXCEPTIONS = [
  ['not_put_out', '미배출', 'Not put out'],
  ['contaminated', '이물질 혼입', 'Contaminated'],
  ['overfilled', '과적', 'Overfilled'],
  ['bin_damaged', '용기 파손', 'Bin damaged'],
  ['no_access', '접근 불가', 'No access'],
  ['tag_unreadable', '태그 불량', 'Tag unreadable'],
];
const WEIGHT = /^\d{1,4}(\.\d{1,3})?$/;
const photoTools = () => import('./photo.js').catch(() => null);

function visitFor(tag, source) {
  const saved = history.state?.visit;
  if (saved && saved.tag === tag) return saved;
  const visit = { tag, source, id: crypto.randomUUID(), collected_at: outbox.isoWithOffset(new Date()) };
  history.replaceState({ ...(history.state || {}), visit }, '');
  return visit;
}

async function findBin(tag, source) {
  if (source === 'manual') return sync.findByManualCode(tag);
  const code = (tag.match(/\/t\/([^/?#]+)/) || [null, tag])[1];
  return (await sync.findByTagCode(code)) || sync.findByManualCode(code.replace(/-/g, '').toUpperCase());
}

export async function showWeigh(context, { tag, source }) {
  const { screen, navigate, onLeave } = context;
  const visit = visitFor(tag, source);
  const bin = await findBin(tag, source);
  let exception = '';
  let photo = null;
  let camera = null;
  let saving = false;

  const weight = h('input', {
    id: 'weight', class: 'weight', inputmode: 'decimal', autocomplete: 'off', 'aria-describedby': 'weigh-error',
  });
  const error = h('div', { id: 'weigh-error', role: 'alert' });
  const gps = h('p', { class: 'gps', 'data-testid': 'gps' });
  const preview = h('div', { 'aria-live': 'polite' });
  const video = h('video', { muted: true, playsinline: true, hidden: true, 'aria-label': '카메라 화면 · Camera' });
  const cameraButtons = h('div', { class: 'ways', hidden: true });
  const photoInput = h('input', { id: 'photo-file', type: 'file', accept: 'image/*', capture: 'environment' });
  const photoSection = h('section', { class: 'card photo', hidden: true },
    h('h2', {}, both('사진 (선택)', 'Photo (optional)')),
    navigator.mediaDevices?.getUserMedia
      ? h('button', { type: 'button', class: 'secondary', onclick: () => openCamera() }, both('사진 찍기', 'Take a photo'))
      : null,
    video, cameraButtons,
    h('label', { for: 'photo-file' }, both('사진 파일 선택', 'Or choose a photo file')),
    photoInput, preview);
  photoInput.addEventListener('change', () => photoInput.files[0] && usePhoto(photoInput.files[0]));

  const exceptionButtons = EXCEPTIONS.map(([code, korean, english]) =>
    h('button', { type: 'button', 'aria-pressed': 'false', dataset: { code }, onclick: () => chooseException(code) },
      both(korean, english)));
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '.', '0', '⌫'].map((key) =>
    h('button', { type: 'button', 'aria-label': key === '⌫' ? '지우기 · Delete' : key, onclick: () => press(key) }, key));
  const save = h('button', { type: 'submit', class: 'big', id: 'save' }, both('저장', 'Save'));

  replace(screen,
    h('h1', {}, both('계량', 'Weigh')),
    h('section', { class: 'card', 'data-testid': 'bin' }, bin
      ? h('dl', { class: 'facts' },
        h('dt', {}, '식당'), h('dd', { 'data-testid': 'restaurant' }, bin.restaurant_name),
        h('dt', {}, '용기'), h('dd', {}, [bin.bin_label, bin.capacity_liters ? `${bin.capacity_liters} L` : ''].filter(Boolean).join(' · ')),
        h('dt', {}, '주소'), h('dd', {}, bin.address || ''),
        h('dt', {}, '코드'), h('dd', {}, formatManual(bin.manual_code)))
      : h('p', { 'data-testid': 'unknown-bin' },
        both('목록에 없는 태그 — 서버에서 확인', 'Not in the list: the server will check it'), h('br'),
        h('span', { class: 'muted' }, source === 'manual' ? formatManual(tag) : tag))),
    h('form', { novalidate: true, onsubmit: (event) => { event.preventDefault(); submit(); } },
      h('label', { for: 'weight' }, both('무게 (kg)', 'Weight')),
      weight,
      h('div', { class: 'keypad' }, keys),
      h('fieldset', { class: 'exceptions' },
        h('legend', {}, both('수거하지 못한 경우', 'Not collected')),
        h('div', { class: 'choices' }, exceptionButtons)),
      photoSection,
      error,
      gps,
      // Kept at the bottom of the screen: after the keypad, 저장 is one thumb away.
      h('div', { class: 'save-bar' }, save),
      h('a', { class: 'button secondary', href: '/crew/', onclick: (event) => { event.preventDefault(); navigate('/crew/', { replace: true }); } },
        both('취소', 'Cancel'))),
  );

  function showGps() {
    const fix = position.current();
    replace(gps, fix ? both(`위치 ±${fix.accuracy} m`, 'GPS attached') : both('위치 정보 없음', 'No GPS position'));
  }
  showGps();
  position.updates.addEventListener('change', showGps);
  onLeave(() => { position.updates.removeEventListener('change', showGps); camera?.stop(); });

  function showError(korean, english) {
    replace(error, h('p', { class: 'error' }, both(korean, english)));
    weight.setAttribute('aria-invalid', 'true');
  }

  function clearError() {
    replace(error);
    weight.removeAttribute('aria-invalid');
  }

  function press(key) {
    if (exception) chooseException(exception); // typing a weight undoes the exception
    weight.value = key === '⌫' ? weight.value.slice(0, -1) : weight.value + key;
    clearError();
  }
  weight.addEventListener('input', () => { if (exception) chooseException(exception); clearError(); });

  function chooseException(code) {
    exception = exception === code ? '' : code;
    for (const button of exceptionButtons) button.setAttribute('aria-pressed', String(button.dataset.code === exception));
    if (exception) weight.value = '';
    photoSection.hidden = !exception;
    clearError();
  }

  async function usePhoto(file) {
    const tools = await photoTools();
    photo = tools ? await tools.shrinkPhoto(file) : file;
    const reader = new FileReader();
    reader.onload = () => replace(preview,
      h('img', { src: reader.result, alt: '첨부할 사진 · Photo to attach' }),
      h('button', { type: 'button', class: 'secondary', onclick: () => { photo = null; replace(preview); photoInput.value = ''; } },
        both('사진 빼기', 'Remove photo')));
    reader.readAsDataURL(photo);
  }

  async function openCamera() {
    const tools = await photoTools();
    if (!tools) return;
    try {
      video.hidden = false;
      camera = await tools.openCamera(video);
      replace(cameraButtons,
        h('button', { type: 'button', onclick: async () => {
          const shot = await tools.capturePhoto(video);
          closeCamera();
          usePhoto(shot);
        } }, both('촬영', 'Capture')),
        h('button', { type: 'button', class: 'secondary', onclick: () => closeCamera() }, both('닫기', 'Close')));
      cameraButtons.hidden = false;
    } catch (problem) {
      closeCamera();
      replace(preview, h('p', { class: 'error' }, both('카메라를 쓸 수 없습니다. 사진 파일을 선택해 주세요.', 'No camera: choose a photo file.')));
    }
  }

  function closeCamera() {
    camera?.stop();
    camera = null;
    video.hidden = true;
    cameraButtons.hidden = true;
  }

  async function submit() {
    if (saving) return;
    const typed = weight.value.trim().replace(',', '.');
    if (!exception && !(WEIGHT.test(typed) && Number(typed) > 0)) {
      showError('무게를 kg으로 입력하거나 수거하지 못한 이유를 골라 주세요. 예: 12.5', 'Type the weight in kg, or choose why it was not collected.');
      weight.focus();
      return;
    }
    saving = true;
    save.disabled = true;
    const fix = position.current();
    const event = { id: visit.id, tag: visit.tag, source: visit.source, collected_at: visit.collected_at };
    if (exception) event.exception_code = exception;
    else event.weight_kg = typed;
    if (fix) Object.assign(event, { lat: fix.lat, lng: fix.lng, gps_accuracy_m: fix.accuracy });
    if (exception && photo) event.photo_id = crypto.randomUUID();
    const stored = await outbox.save({ event, binId: bin?.bin_id, label: bin?.restaurant_name || '', photo: exception ? photo : null });
    sync.syncNow();
    const what = exception ? EXCEPTIONS.find(([code]) => code === exception)[1] : `${typed} kg`;
    const notice = stored ? `저장했습니다 · Saved: ${bin?.restaurant_name || ''} ${what}` : '이미 저장된 방문입니다 · Already saved';
    navigate('/crew/', { replace: true, state: { notice } });
  }
}
