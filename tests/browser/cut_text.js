// Text a person cannot read whole on this page as it is laid out now: elements that clip
// or scroll their content sideways, and text fragments drawn beyond the screen's left or
// right edge. Visually hidden text (for screen readers) is clipped on purpose and skipped.
// Used by tests/browser/test_zoom.py; returns one line per problem.
() => {
  const width = document.documentElement.clientWidth;
  const hidden = (el) => el.closest('.visually-hidden, [hidden], [aria-hidden=true], script, style, template');
  const found = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  for (const el of document.body.querySelectorAll('*')) {
    if (hidden(el)) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const clips = style.overflowX !== 'visible';
    if (clips && el.scrollWidth > el.clientWidth + 1 && !['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) {
      const cut = el.scrollWidth - el.clientWidth;
      found.push(`${name(el)} hides ${cut}px of its content: "${el.innerText.slice(0, 60)}"`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || hidden(node.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.width > 0 && (rect.right > width + 1 || rect.left < -1)) {
        const text = node.textContent.trim().slice(0, 60);
        const span = `${Math.round(rect.left)} to ${Math.round(rect.right)} px`;
        found.push(`"${text}" in ${name(node.parentElement)} runs from ${span} on a ${width} px screen`);
        break;
      }
    }
  }
  return found;
}
