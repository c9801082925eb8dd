// The weighing screen: the bin, the weight (or one exception, with an optional photo),
// saved to the outbox first. The visit's UUID and time are made once, when the screen
// opens, and kept in the history entry: a second tap, a retry or a reload of this
// screen saves the same event, never a second scan.
import { formatManual, h, registered, replace } from './dom.js';
import { kg, number, t, tx } from './i18n.js';
import * as outbox from './outbox.js';
import * as position from './position.js';
import * as sync from './sync.js';

export const EXCEPTIONS = [
  ['not_put_out', t('Not put out')],
  ['contaminated', t('Contaminated')],
  ['overfilled', t('Overfilled')],
  ['bin_damaged', t('Bin damaged')],
  ['no_access', t('No access')],
  ['tag_unreadable', t('Tag unreadable')],
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
  const video = h('video', { muted: true, playsinline: true, hidden: true, 'aria-label': t('Camera view') });
  const cameraButtons = h('div', { class: 'ways', hidden: true });
  const photoInput = h('input', { id: 'photo-file', type: 'file', accept: 'image/*', capture: 'environment' });
  const photoSection = h('section', { class: 'card photo', hidden: true },
    h('h2', {}, t('Photo (optional)')),
    navigator.mediaDevices?.getUserMedia
      ? h('button', { type: 'button', class: 'secondary', onclick: () => openCamera() }, t('Take a photo'))
      : null,
    video, cameraButtons,
    h('label', { for: 'photo-file' }, t('Or choose a photo file')),
    photoInput, preview);
  photoInput.addEventListener('change', () => photoInput.files[0] && usePhoto(photoInput.files[0]));

  const exceptionButtons = EXCEPTIONS.map(([code, name]) =>
    h('button', { type: 'button', 'aria-pressed': 'false', dataset: { code }, onclick: () => chooseException(code) }, name));
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '.', '0', '⌫'].map((key) =>
    h('button', { type: 'button', 'aria-label': key === '⌫' ? t('Delete the last digit') : key, onclick: () => press(key) }, key));
  const save = h('button', { type: 'submit', class: 'big', id: 'save' }, t('Save'));

  replace(screen,
    h('h1', {}, t('Weigh')),
    h('section', { class: 'card', 'data-testid': 'bin' }, bin
      ? h('dl', { class: 'facts' },
        h('dt', {}, t('Restaurant')), h('dd', { 'data-testid': 'restaurant', lang: 'ko' }, bin.restaurant_name),
        h('dt', {}, t('Bin')), h('dd', {}, registered(bin.bin_label),
          bin.bin_label && bin.capacity_liters ? ' · ' : '', bin.capacity_liters ? `${number(bin.capacity_liters)} L` : ''),
        h('dt', {}, t('Address')), h('dd', { lang: 'ko' }, bin.address || ''),
        h('dt', {}, t('Code')), h('dd', {}, formatManual(bin.manual_code)))
      : h('p', { 'data-testid': 'unknown-bin' },
        t('Not in the list: the server will check it'), h('br'),
        h('span', { class: 'muted' }, source === 'manual' ? formatManual(tag) : tag))),
    h('form', { novalidate: true, onsubmit: (event) => { event.preventDefault(); submit(); } },
      h('label', { for: 'weight' }, t('Weight (kg)')),
      weight,
      h('div', { class: 'keypad' }, keys),
      h('fieldset', { class: 'exceptions' },
        h('legend', {}, t('Not collected')),
        h('div', { class: 'choices' }, exceptionButtons)),
      photoSection,
      error,
      gps,
      // Kept at the bottom of the screen: after the keypad, Save is one thumb away.
      h('div', { class: 'save-bar' }, save),
      h('a', { class: 'button secondary', href: '/crew/', onclick: (event) => { event.preventDefault(); navigate('/crew/', { replace: true }); } },
        t('Cancel'))),
  );

  function showGps() {
    const fix = position.current();
    replace(gps, fix ? t('Position ±%(metres)s m', { metres: number(fix.accuracy) }) : t('No GPS position'));
  }
  showGps();
  position.updates.addEventListener('change', showGps);
  onLeave(() => { position.updates.removeEventListener('change', showGps); camera?.stop(); });

  function showError(text) {
    replace(error, h('p', { class: 'error' }, text));
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
      h('img', { src: reader.result, alt: t('Photo to attach') }),
      h('button', { type: 'button', class: 'secondary', onclick: () => { photo = null; replace(preview); photoInput.value = ''; } },
        t('Remove photo')));
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
        } }, t('Capture')),
        h('button', { type: 'button', class: 'secondary', onclick: () => closeCamera() }, t('Close')));
      cameraButtons.hidden = false;
    } catch (problem) {
      closeCamera();
      replace(preview, h('p', { class: 'error' }, t('No camera: choose a photo file.')));
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
      showError(t('Type the weight in kg, or choose why it was not collected. For example: 12.5'));
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
    // What was saved, as data: the stops screen words it (the history entry keeps no elements).
    const notice = { stored, restaurant: bin?.restaurant_name || '', exception, weight: exception ? '' : typed };
    navigate('/crew/', { replace: true, state: { notice } });
  }
}

// "Saved: 할매순대, 12.5 kg" on the stops screen after a save.
export function savedNotice(notice) {
  if (typeof notice === 'string') return notice; // worded by an earlier release
  const { stored, restaurant, exception, weight } = notice;
  if (!stored) return t('This visit was already saved');
  const what = exception ? EXCEPTIONS.find(([code]) => code === exception)?.[1] || exception : kg(weight);
  return restaurant
    ? tx('Saved: %(restaurant)s, %(what)s', { restaurant: registered(restaurant), what })
    : t('Saved: %(what)s', { what });
}
