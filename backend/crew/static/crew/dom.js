// Building the screens: elements from data, never HTML strings (a restaurant's name
// is text, not markup).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// What comes from the register as it was written there (a restaurant's name, an
// address, a bin's label): Korean on a page that may be English, and marked so.
export const registered = (text) => (text ? h('span', { lang: 'ko' }, text) : '');

export function replace(container, ...children) {
  container.replaceChildren();
  append(container, children);
}

export function formatManual(code) {
  return code && code.length === 9 ? `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}` : code || '';
}

// The path of the weighing screen for what identified the bin.
export function weighPath(tag, source) {
  return `/crew/weigh?${new URLSearchParams({ tag, source })}`;
}
