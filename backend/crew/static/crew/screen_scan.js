// The in-page QR scanner (scanner.js): what it reads opens the weighing screen.
import { h, replace, weighPath } from './dom.js';
import { t } from './i18n.js';

export async function showScan(context) {
  const { screen, navigate, onLeave } = context;
  const video = h('video', { muted: true, playsinline: true, 'aria-label': t('Camera view') });
  const status = h('p', { class: 'hint', role: 'status' }, t('Hold the QR code in the middle of the screen.'));
  replace(screen,
    h('h1', {}, t('Scan QR')),
    video,
    status,
    h('a', { class: 'button secondary big', href: '/crew/', onclick: (event) => { event.preventDefault(); navigate('/crew/', { replace: true }); } },
      t('Cancel')));
  let scanner = null;
  let left = false;
  onLeave(() => { left = true; scanner?.stop(); });
  try {
    const { startScanner } = await import('./scanner.js');
    scanner = await startScanner(video, (text) => {
      if (left) return;
      left = true;
      scanner?.stop();
      navigate(weighPath(text.trim(), 'qr'), { replace: true });
    });
    if (left) scanner.stop();
  } catch (error) {
    status.className = 'hint bad';
    replace(status, error?.code === 'camera_denied'
      ? t('The camera is not allowed: type the manual code.')
      : t('No camera: type the manual code.'));
  }
}
