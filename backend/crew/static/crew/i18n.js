// The app's texts in the language the crew chose (Korean unless they pressed English).
// The shell carries them (`#crew-texts`, from backend/crew/texts.py: the English msgid →
// the text to show), and the service worker keeps the shell, so they are on the phone
// with no signal too. Numbers and dates follow the same language.
const catalog = JSON.parse(document.getElementById('crew-texts')?.textContent || '{}');

export const language = document.documentElement.lang || 'ko';
// How each language writes numbers and dates (the site's English is British: "30 Nov").
const LOCALES = { ko: 'ko-KR', en: 'en-GB' };
const locale = LOCALES[language] || language;

const PLACEHOLDER = /%\((\w+)\)s/g;

// The msgid's text in the chosen language (English: the msgid itself), its %(name)s
// placeholders filled in from `values`: "Checked %(code)s" → "확인됨 ABCD-EFGH-K".
export function t(msgid, values = {}) {
  return (catalog[msgid] || msgid).replace(PLACEHOLDER, (match, name) => (name in values ? String(values[name]) : match));
}

// The same with elements among the values (a restaurant's name marked lang="ko"):
// a list of strings and nodes to append.
export function tx(msgid, values = {}) {
  const parts = (catalog[msgid] || msgid).split(PLACEHOLDER);
  // split() keeps the captured names at the odd positions.
  return parts.map((part, i) => (i % 2 === 0 ? part : (part in values ? values[part] : `%(${part})s`)))
    .filter((part) => part !== '');
}

export function number(value, options = {}) {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 3, ...options }).format(Number(value));
}

// "2026-11-30" → "11월 30일 (월)" or "Mon 30 Nov": a day (the server's local day) as
// the crew reads it.
export function day(isoDay) {
  const [year, month, date] = isoDay.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
    .format(new Date(Date.UTC(year, month - 1, date)));
}

export const kg = (value) => `${number(value)} kg`;
