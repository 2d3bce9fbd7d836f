// Upvote without a page reload. Without JavaScript the form posts and the page reloads.
(function () {
  "use strict";
  if (window.paperfeedCommunity) return; // the include can appear many times on one page
  window.paperfeedCommunity = true;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-upvote]")) return;
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
          window.alert(result.data.error || "The upvote did not go through.");
          return;
        }
        button.classList.toggle("is-voted", result.data.upvoted);
        button.setAttribute("aria-pressed", result.data.upvoted ? "true" : "false");
        button.title = result.data.upvoted ? "Remove your upvote" : "Upvote";
        form.querySelector(".upvote-count").textContent = result.data.count;
      })
      .catch(function () {
        form.submit(); // fall back to the plain form post
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
