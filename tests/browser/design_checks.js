async () => {
  // Run in the page by tests/browser/test_design.py (page.evaluate calls this function and
  // awaits it): a list of problems, each a short sentence.
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    const wide = [...document.body.querySelectorAll('*')]
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
      .map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : ''))
      .slice(0, 5);
    problems.push(`page is ${root.scrollWidth}px wide in a ${window.innerWidth}px viewport: ${wide.join(', ')}`);
  }

  // Text boxes: the line boxes of every rendered text node.
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    const parent = node.parentElement;
    if (!text || !parent || parent.closest('script, style, title, option, textarea, .visually-hidden')) continue;
    // A closed <details> keeps its content laid out but does not draw it.
    const details = parent.closest('details:not([open])');
    if (details && !parent.closest('summary')) continue;
    const own = parent.getBoundingClientRect();
    if (own.width <= 1 || own.height <= 1) continue;  // clipped to a pixel: read by screen readers only
    const style = getComputedStyle(parent);
    if (style.visibility === 'hidden' || style.opacity === '0') continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width > 1 && r.height > 1) boxes.push({ r, node, text: text.slice(0, 30) });
    }
  }
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.node === b.node) continue;
      const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      // A superscript may touch the line above; real overlaps cover a third of a line.
      if (w > 2 && h > Math.min(a.r.height, b.r.height) / 3) overlaps.push(`"${a.text}" / "${b.text}"`);
    }
  }
  if (overlaps.length) problems.push(`text boxes overlap: ${overlaps.slice(0, 5).join('; ')}`);

  // Form controls: nothing left with the browser's default font, bevelled border or square box.
  const ours = document.querySelector('.site-header') !== null;
  const bodyFont = getComputedStyle(document.body).fontFamily;
  for (const control of document.querySelectorAll('input:not([type=hidden]), select, textarea, button')) {
    if (!control.getClientRects().length) continue;
    const s = getComputedStyle(control);
    const name = `${control.tagName.toLowerCase()}${control.name ? '[name=' + control.name + ']' : ''} "${(control.textContent || control.value || '').trim().slice(0, 20)}"`;
    if (control.type === 'checkbox' || control.type === 'radio') {
      if (s.accentColor === 'auto') problems.push(`unstyled ${name}: default accent colour`);
      continue;
    }
    if (Math.abs(parseFloat(s.fontSize) - 13.333) < 0.01) problems.push(`unstyled ${name}: default font size`);
    if (['inset', 'outset'].includes(s.borderTopStyle)) problems.push(`unstyled ${name}: default border`);
    if (ours && s.fontFamily !== bodyFont && !s.fontFamily.includes('monospace')) problems.push(`unstyled ${name}: font ${s.fontFamily}`);
    const linkLike = s.backgroundColor === 'rgba(0, 0, 0, 0)' && s.borderTopWidth === '0px';
    const corners = [s.borderTopLeftRadius, s.borderTopRightRadius, s.borderBottomLeftRadius, s.borderBottomRightRadius];
    if (ours && !linkLike && Math.max(...corners.map(parseFloat)) === 0) problems.push(`unstyled ${name}: square corners`);
  }

  // Images, lazy ones included.
  for (const img of document.images) {
    img.loading = 'eager';
    try { await img.decode(); } catch (e) { /* counted below */ }
    if (!img.complete || img.naturalWidth === 0) problems.push(`broken image ${img.currentSrc || img.src}`);
  }
  return problems;
}
