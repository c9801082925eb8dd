// The in-page QR scanner (scanner.js): what it reads opens the weighing screen.
import { both, h, replace, weighPath } from './dom.js';

export async function showScan(context) {
  const { screen, navigate, onLeave } = context;
  const video = h('video', { muted: true, playsinline: true, 'aria-label': '카메라 화면 · Camera' });
  const status = h('p', { class: 'hint', role: 'status' }, both('QR 코드를 화면 가운데에 맞춰 주세요.', 'Point the camera at the QR code.'));
  replace(screen,
    h('h1', {}, both('QR 스캔', 'Scan QR')),
    video,
    status,
    h('a', { class: 'button secondary big', href: '/crew/', onclick: (event) => { event.preventDefault(); navigate('/crew/', { replace: true }); } },
      both('취소', 'Cancel')));
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
      ? both('카메라 권한이 없습니다. 수동 코드를 입력해 주세요.', 'Camera not allowed: type the manual code.')
      : both('카메라를 쓸 수 없습니다. 수동 코드를 입력해 주세요.', 'No camera: type the manual code.'));
  }
}
