// Buttons that post without a page reload (upvote, save). Without JavaScript each form posts
// and the page reloads; the button shows the same state either way. One handler for all of
// them: a module registers its forms' selector, its failure message and what to show.
(function () {
  "use strict";
  if (window.paperfeedInPlace) return;
  var kinds = [];

  window.paperfeedInPlace = function (selector, failure, show) {
    kinds.push({ selector: selector, failure: failure, show: show });
  };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches) return;
    var kind = kinds.filter(function (k) { return form.matches(k.selector); })[0];
    if (!kind) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (result) {
        if (result.status === 401 && result.data.login_url) {
          window.location.href = result.data.login_url;
          return;
        }
        if (result.status !== 200) {
          window.alert(result.data.error || kind.failure);
          return;
        }
        kind.show(form, button, result.data);
      })
      .catch(function () {
        form.submit(); // fall back to the plain form post
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
