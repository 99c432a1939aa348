/* Kundencenter: the little script the pages need, a static file so the Content Security
   Policy can forbid inline script and eval (no hx-vals="js:..."). */
"use strict";
document.addEventListener("htmx:configRequest", function (event) {
  // Case presence: tell the server whether this agent is typing a note right now.
  if (event.detail.elt.id === "presence") {
    const text = document.getElementById("id_text");
    event.detail.parameters.composing = text && text.value ? "1" : "0";
  }
});
