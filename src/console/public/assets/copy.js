// Copy buttons (progressive enhancement): <button data-copy="ID" hidden> copies
// the text of the element #ID to the clipboard and says "Copied" in a live
// region. Without JavaScript or a clipboard the button stays hidden and the
// text can be selected by hand.
"use strict";
(() => {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll("button[data-copy]")) {
    // In the page before anything is said in it, so screen readers announce the change.
    const status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    button.after(status);
    button.hidden = false;
    button.addEventListener("click", async () => {
      const target = document.getElementById(button.dataset.copy);
      if (!target) return;
      status.textContent = "";
      try {
        await navigator.clipboard.writeText(target.textContent.trim());
        status.textContent = "Copied";
      } catch {
        status.textContent = "Could not copy: select the text and copy it by hand";
      }
    });
  }
})();
