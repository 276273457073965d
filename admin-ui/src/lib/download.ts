/** Hands `blob` to the browser as a file named `name` (an export, a procedure's XML). */
export function saveAs(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has read the URL once the click is handled; a minute leaves room for a slow disk.
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}
