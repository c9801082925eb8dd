// The controls on the page smaller than `minimum` CSS pixels either way. Links inside
// running text are exempt (WCAG 2.5.8 exempts inline targets); links that stand alone
// are not. A radio or checkbox counts with the label that wraps it.
(minimum) => {
  const standalone = (element) => {
    if (element.tagName !== "A") return true;
    const parent = element.parentElement;
    const text = (parent ? parent.innerText : "").replace(/\s+/g, "");
    return text === element.innerText.replace(/\s+/g, "");
  };
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]";
  const small = [];
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(element).visibility === "hidden") continue;
    if (!standalone(element) && !element.classList.contains("tap")) continue;
    const label = ["radio", "checkbox"].includes(element.type) ? element.closest("label") : null;
    const target = label ? label.getBoundingClientRect() : box;
    if (target.width < minimum - 0.5 || target.height < minimum - 0.5) {
      const name = (element.innerText || element.value || element.name || "").trim().slice(0, 40);
      small.push(`${element.tagName.toLowerCase()} "${name}" ${Math.round(target.width)}×${Math.round(target.height)}`);
    }
  }
  return small;
}
