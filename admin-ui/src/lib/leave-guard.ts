/**
 * Asking before leaving a page with unfinished work (the designer's undeployed changes). The page says
 * what to ask — or null when nothing would be lost — and the shell asks on a hash change (keeping the
 * page when the answer is no) and the browser asks on a reload or close (beforeunload). One guard at a
 * time: the page on screen.
 */
type Question = () => string | null;
let current: Question | null = null;

/** Registers the page's question; returns its removal (call it in the page's clean-up). */
export function guardLeaving(question: Question): () => void {
  current = question;
  return () => {
    if (current === question) current = null;
  };
}

/** True when the page may go: nothing to ask, or the user said yes. */
export function mayLeave(): boolean {
  const q = current?.();
  return !q || confirm(q);
}

window.addEventListener('beforeunload', (e) => {
  if (current?.()) e.preventDefault();
});
