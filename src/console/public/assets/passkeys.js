// Passkeys (progressive enhancement): adding one on the security page and
// signing in with one on the sign-in page, with @simplewebauthn/browser
// (/assets/vendor/simplewebauthn-browser.umd.min.js, window.SimpleWebAuthnBrowser).
// Both stay hidden without JavaScript or WebAuthn; the email link is the way then.
// Each ceremony: POST …/options (JSON), ask the browser, POST the answer;
// the server answers {redirect} or {error}, said in the form's live region.
"use strict";
(() => {
  const lib = window.SimpleWebAuthnBrowser;
  if (!lib || !lib.browserSupportsWebAuthn()) return;

  // The session's CSRF token from the page's hidden field; signed-out pages
  // have none and need none (the server checks their Origin).
  const csrfField = document.querySelector('input[name="_csrf"]');

  async function postJson(url, body) {
    const headers = { "content-type": "application/json" };
    if (csrfField) headers["x-csrf-token"] = csrfField.value;
    const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body), credentials: "same-origin" });
    const data = await res.json().catch(() => null);
    if (!res.ok || !data) throw new Error((data && data.error) || "The server refused the request. Reload the page and try again.");
    return data;
  }

  // A refusal or cancel in the browser's own passkey prompt.
  function browserMessage(err) {
    if (err && err.name === "NotAllowedError") return "The passkey prompt was closed or timed out. Try again when ready.";
    if (err && err.name === "InvalidStateError") return "This device already has a passkey for this account.";
    return (err && err.message) || "Something went wrong. Try again.";
  }

  async function ceremony(status, run) {
    status.textContent = "Waiting for your passkey…";
    let answer;
    try {
      answer = await run();
    } catch (err) {
      status.textContent = browserMessage(err);
      return;
    }
    status.textContent = "Done.";
    window.location.assign(answer.redirect);
  }

  const addForm = document.querySelector("form[data-passkey-add]");
  if (addForm) {
    const fallback = document.querySelector("[data-passkey-fallback]");
    if (fallback) fallback.hidden = true;
    addForm.hidden = false;
    const status = addForm.querySelector("[data-passkey-status]");
    addForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = addForm.querySelector("#passkey-name").value.trim();
      ceremony(status, async () => {
        const optionsJSON = await postJson("/security/passkeys/options", {});
        const response = await lib.startRegistration({ optionsJSON });
        return postJson("/security/passkeys", { name, response });
      });
    });
  }

  const signIn = document.querySelector("[data-passkey-sign-in]");
  if (signIn) {
    signIn.hidden = false;
    const status = signIn.querySelector("[data-passkey-status]");
    signIn.querySelector("button").addEventListener("click", () => {
      ceremony(status, async () => {
        const optionsJSON = await postJson("/sign-in/passkey/options", {});
        const response = await lib.startAuthentication({ optionsJSON });
        const next = signIn.dataset.next;
        return postJson("/sign-in/passkey", next ? { response, next } : { response });
      });
    });
  }
})();
