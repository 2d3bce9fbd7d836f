// Save to the library without a page reload. Without JavaScript the form posts and the page
// reloads; the button shows the same state either way.
(function () {
  "use strict";
  if (window.paperfeedLibrary) return;
  window.paperfeedLibrary = true;

  function show(button, saved) {
    button.classList.toggle("is-saved", saved);
    button.setAttribute("aria-pressed", saved ? "true" : "false");
    button.title = saved ? "In your library: click to remove" : "Save to your library";
    button.querySelector("[aria-hidden]").textContent = saved ? "★" : "☆";
    button.querySelector(".save-label").textContent = saved ? "Saved" : "Save";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-save]")) return;
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
          window.alert(result.data.error || "Saving did not go through.");
          return;
        }
        show(button, result.data.saved);
      })
      .catch(function () {
        form.submit();
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
