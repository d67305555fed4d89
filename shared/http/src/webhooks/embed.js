/* Norvalt website form: add `data-norvalt` to a <form> and load this script
   from the dealership's form URL. Posts the form as JSON with an
   Idempotency-Key (a double click sends one lead), adds the honeypot field,
   and shows a Norwegian thank-you or the error. Without JavaScript the same
   form still posts as urlencoded and is redirected to the thank-you page. */
(function () {
  var script = document.currentScript;
  if (!script) return;
  var endpoint = script.src.replace(/\/embed\.js(\?.*)?$/, "");
  function key() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function notice(form, text, isError) {
    var p = form.querySelector(".norvalt-melding") || document.createElement("p");
    p.className = "norvalt-melding" + (isError ? " norvalt-feil" : "");
    p.setAttribute("role", isError ? "alert" : "status");
    p.textContent = text;
    form.appendChild(p);
  }
  function wire(form) {
    form.setAttribute("action", endpoint);
    form.setAttribute("method", "post");
    var trap = document.createElement("input");
    trap.type = "text";
    trap.name = "norvalt_hp";
    trap.tabIndex = -1;
    trap.autocomplete = "off";
    trap.setAttribute("aria-hidden", "true");
    trap.style.cssText = "position:absolute;left:-10000px;width:1px;height:1px;opacity:0";
    form.appendChild(trap);
    var idempotencyKey = null;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      idempotencyKey = idempotencyKey || key();
      var data = {};
      new FormData(form).forEach(function (value, name) { data[name] = value; });
      if (!data.source_url) data.source_url = location.href;
      var button = form.querySelector("[type=submit]");
      if (button) button.disabled = true;
      fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "Idempotency-Key": idempotencyKey },
        body: JSON.stringify(data)
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (result.ok) {
          form.reset();
          idempotencyKey = null;
          notice(form, form.getAttribute("data-norvalt-takk") || "Takk! Vi tar kontakt med deg så snart vi kan.", false);
        } else {
          var error = result.body && result.body.error;
          notice(form, (error && error.message) || "Noe gikk galt. Prøv igjen.", true);
        }
      }).catch(function () {
        notice(form, "Vi fikk ikke kontakt. Sjekk nettet og prøv igjen.", true);
      }).then(function () {
        if (button) button.disabled = false;
      });
    });
  }
  var forms = document.querySelectorAll("form[data-norvalt]");
  for (var i = 0; i < forms.length; i++) wire(forms[i]);
})();
