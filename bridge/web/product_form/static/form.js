/* The suggestion form: posts to the wishes API and says what happened in the page's language. */
(function () {
  "use strict";
  var form = document.getElementById("suggest");
  if (!form) { return; }
  var message = document.getElementById("message");
  var button = form.querySelector("button");
  var data = form.dataset;

  function say(text, kind) {
    message.textContent = text;
    message.className = "message " + kind;
    message.hidden = false;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }

  function field(name) { return form.elements[name].value.trim(); }

  function explain(response, body) {
    if (response.status === 201) {
      form.reset();
      return say(fill(data.tThanks, {number: body.number}), "ok");
    }
    if (response.status === 429) {
      var seconds = parseInt(response.headers.get("Retry-After") || "3600", 10);
      return say(fill(data.tRateLimited, {minutes: Math.max(1, Math.ceil(seconds / 60))}), "error");
    }
    if (response.status === 401) { return say(data.tBadKey, "error"); }
    if (response.status === 400 && body && body.error) {
      return say(fill(data.tInvalid, {message: body.error}), "error");
    }
    say(data.tFailed, "error");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = field("text");
    var limit = parseInt(data.limit, 10);
    if (!text) { return say(data.tEmpty, "error"); }
    if (text.length > limit) { return say(fill(data.tTooLong, {length: text.length, limit: limit}), "error"); }
    var wish = {customer_id: data.customerId, text: text, language: data.language};
    if (field("title")) { wish.title = field("title"); }
    if (field("contact")) { wish.contact = field("contact"); }
    button.disabled = true;
    say(data.tSending, "info");
    fetch(data.endpoint, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-API-Key": data.key},
      body: JSON.stringify(wish),
      credentials: "omit"
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        explain(response, body);
      });
    }).catch(function () {
      say(data.tFailed, "error");
    }).then(function () {
      button.disabled = false;
    });
  });
}());
